package main

import (
	"bytes"
	"os"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

// k8sTime is the CRI log timestamp: local time, nanoseconds, numeric zone.
const k8sTime = "2006-01-02T15:04:05.000000000Z07:00"

// flushAt bounds the formatting buffer: many short lines in one read are
// written in several pieces rather than growing the buffer.
const flushAt = 16 * 1024

// logWriter writes container output in one log driver's format.
type logWriter struct {
	path   string
	driver string
	max    int64
	fd     int
	size   int64
	buf    []byte
}

func openLog(path, driver string, max int64) (*logWriter, error) {
	if driver == "" {
		driver = protocol.LogDriverK8sFile
	}
	fd, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return &logWriter{path: path, driver: driver, max: max, fd: fd, size: st.Size}, nil
}

// write logs one read's worth of a stream: one record per line, the last
// one marked partial when it lacks its newline.
func (w *logWriter) write(stream byte, data []byte, now time.Time) error {
	name := "stdout"
	if stream == protocol.PacketStderr {
		name = "stderr"
	}
	var ts [40]byte
	var stamp []byte
	if w.driver == protocol.LogDriverJSONFile {
		stamp = now.UTC().AppendFormat(ts[:0], time.RFC3339Nano)
	} else {
		stamp = now.AppendFormat(ts[:0], k8sTime)
	}
	w.buf = w.buf[:0]
	for len(data) > 0 {
		line, rest, full := bytes.Cut(data, []byte{'\n'})
		data = rest
		if w.driver == protocol.LogDriverJSONFile {
			w.buf = append(w.buf, `{"log":"`...)
			w.buf = protocol.AppendJSONString(w.buf, line)
			if full {
				w.buf = append(w.buf, `\n`...)
			}
			w.buf = append(w.buf, `","stream":"`...)
			w.buf = append(w.buf, name...)
			w.buf = append(w.buf, `","time":"`...)
			w.buf = append(w.buf, stamp...)
			w.buf = append(w.buf, "\"}\n"...)
		} else {
			w.buf = append(w.buf, stamp...)
			w.buf = append(w.buf, ' ')
			w.buf = append(w.buf, name...)
			if full {
				w.buf = append(w.buf, " F "...)
			} else {
				w.buf = append(w.buf, " P "...)
			}
			w.buf = append(w.buf, line...)
			w.buf = append(w.buf, '\n')
		}
		// With a size limit each record is checked on its own, so the
		// file only ever restarts between records.
		if len(w.buf) >= flushAt || w.max > 0 {
			if err := w.emit(); err != nil {
				return err
			}
		}
	}
	return w.emit()
}

// emit writes the buffered records, starting the file afresh first when they
// would take it beyond the size limit (as conmon's log-size-max does).
func (w *logWriter) emit() error {
	if len(w.buf) == 0 {
		return nil
	}
	if w.max > 0 && w.size > 0 && w.size+int64(len(w.buf)) > w.max {
		if err := unix.Ftruncate(w.fd, 0); err != nil {
			return &os.PathError{Op: "truncate", Path: w.path, Err: err}
		}
		w.size = 0
	}
	n, err := writeAll(w.fd, w.buf)
	w.size += int64(n)
	w.buf = w.buf[:0]
	if err != nil {
		return &os.PathError{Op: "write", Path: w.path, Err: err}
	}
	return nil
}

func (w *logWriter) close() {
	unix.Fsync(w.fd)
	unix.Close(w.fd)
}
