package main

import (
	"encoding/binary"
	"os"
	"strconv"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

// journalWriter sends container output to systemd-journald over its native
// protocol: one datagram per line, each a list of KEY=VALUE fields (see
// systemd's "Native Journal Protocol"). The fields are conmon's, so that
// journalctl CONTAINER_NAME=x and tools written for podman find the lines.
//
// It is written here rather than taken from go-systemd's journal package
// because that package links net and fmt, and the monitor keeps to the
// standard library's smaller parts and x/sys (one monitor runs per
// container).
type journalWriter struct {
	fd int
	// fixed holds the fields every entry carries; prio and partial are
	// added per entry.
	fixed []byte
	// pending holds, per stream, the start of a line whose newline has
	// not arrived yet; it is sent as a partial entry once it reaches
	// readSize bytes, or at the end.
	pending [3][]byte
	buf     []byte
}

func openJournal(cfg *protocol.Config, socket string) (*journalWriter, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// Connect now, so a host without a journal fails the start, not every
	// line.
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: socket}); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "connect", Path: socket, Err: err}
	}
	short := cfg.ID
	if len(short) > 12 {
		short = short[:12]
	}
	// SYSLOG_IDENTIFIER: the tag, else the name, else the short ID (conmon's
	// order).
	ident := short
	if cfg.Name != "" {
		ident = cfg.Name
	}
	if cfg.LogTag != "" {
		ident = cfg.LogTag
	}
	var f []byte
	f = appendField(f, "CONTAINER_ID_FULL", []byte(cfg.ID))
	f = appendField(f, "CONTAINER_ID", []byte(short))
	if cfg.LogTag != "" {
		f = appendField(f, "CONTAINER_TAG", []byte(cfg.LogTag))
	}
	if cfg.Name != "" {
		f = appendField(f, "CONTAINER_NAME", []byte(cfg.Name))
	}
	f = appendField(f, "SYSLOG_IDENTIFIER", []byte(ident))
	return &journalWriter{fd: fd, fixed: f}, nil
}

// appendField appends one field: KEY=VALUE\n, or, for a value with a
// newline in it, KEY\n, its length as a little-endian uint64, the value and
// \n.
func appendField(b []byte, key string, val []byte) []byte {
	for _, c := range val {
		if c == '\n' {
			b = append(b, key...)
			b = append(b, '\n')
			b = binary.LittleEndian.AppendUint64(b, uint64(len(val)))
			b = append(b, val...)
			return append(b, '\n')
		}
	}
	b = append(b, key...)
	b = append(b, '=')
	b = append(b, val...)
	return append(b, '\n')
}

// write sends one read's worth of a stream, one entry per line. A line
// without its newline waits for the rest (up to readSize bytes; longer
// lines go in pieces marked CONTAINER_PARTIAL_MESSAGE=true).
func (j *journalWriter) write(stream byte, data []byte, _ time.Time) error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	for len(data) > 0 {
		i := indexNL(data)
		if i < 0 {
			p := append(j.pending[stream], data...)
			for len(p) >= readSize {
				keep(j.send(stream, p[:readSize], true))
				p = p[readSize:]
			}
			j.pending[stream] = append(j.pending[stream][:0], p...)
			return first
		}
		line := data[:i]
		if p := j.pending[stream]; len(p) > 0 {
			line = append(p, line...)
			j.pending[stream] = p[:0]
		}
		keep(j.send(stream, line, false))
		data = data[i+1:]
	}
	return first
}

func indexNL(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// send writes one entry. stderr lines have PRIORITY 3 (err), stdout lines 6
// (info), as conmon gives them; pod logs reads the stream back from it.
func (j *journalWriter) send(stream byte, msg []byte, partial bool) error {
	b := appendField(j.buf[:0], "MESSAGE", msg)
	prio := "6"
	if stream == protocol.PacketStderr {
		prio = "3"
	}
	b = append(b, "PRIORITY="+prio+"\n"...)
	b = append(b, j.fixed...)
	if partial {
		b = append(b, "CONTAINER_PARTIAL_MESSAGE=true\n"...)
	}
	j.buf = b
	for {
		_, err := unix.Write(j.fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "send (" + strconv.Itoa(len(b)) + " bytes)", Path: protocol.JournalSocket, Err: err}
		}
		return nil
	}
}

// close sends what is left of unfinished lines, each marked partial (the
// container ended without their newline), and closes the socket.
func (j *journalWriter) close() {
	for s, p := range j.pending {
		if len(p) > 0 {
			j.send(byte(s), p, true)
		}
	}
	unix.Close(j.fd)
}
