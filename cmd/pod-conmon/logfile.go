package main

import (
	"bytes"
	"os"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"github.com/pod-engine/pod/pkg/diskspace"
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
	// full is set once a write failed for lack of space: the log then ends
	// with a record saying so, and the rest of the output is dropped.
	full bool
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
	if w.full {
		return nil
	}
	if err := w.format(stream, data, now, true); err != nil || w.full {
		return err
	}
	return w.emitOrTruncate(now)
}

// format puts data's records in the buffer. With flush it emits as it goes
// when the buffer is large or records are size-checked one by one.
func (w *logWriter) format(stream byte, data []byte, now time.Time, flush bool) error {
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
		if flush && (len(w.buf) >= flushAt || w.max > 0) {
			if err := w.emitOrTruncate(now); err != nil || w.full {
				w.buf = w.buf[:0]
				return err
			}
		}
	}
	return nil
}

// emitOrTruncate emits the buffer; when the filesystem is full it ends the
// log instead (see truncateFull), so that the monitor goes on draining the
// container's output and can still record its exit.
func (w *logWriter) emitOrTruncate(now time.Time) error {
	err := w.emit()
	if err != nil && diskspace.IsFull(err) {
		w.full = true
		return w.truncateFull(err, now)
	}
	return err
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

// truncNote is the last record of a log cut short for lack of space.
const truncNote = "pod-conmon: log truncated: "

// truncateFull ends a log whose write failed with cause (no space): it cuts
// the log back to the end of a whole record at least a page before its
// end, which frees a page, and writes a record saying the log was truncated
// and why in the room made. The caller drops everything after.
func (w *logWriter) truncateFull(cause error, now time.Time) error {
	where := cause.Error()
	if mnt, _ := diskspace.Where(w.path); mnt != "" {
		where += " (the filesystem mounted at " + mnt + " is full)"
	}
	w.buf = w.buf[:0]
	w.format(protocol.PacketStderr, []byte(truncNote+where+"; the rest of the output is lost\n"), now, false)
	note := append([]byte(nil), w.buf...)
	w.buf = w.buf[:0]
	cut := w.recordEndBefore(w.size - int64(os.Getpagesize()+len(note)))
	if err := unix.Ftruncate(w.fd, cut); err != nil {
		return &os.PathError{Op: "truncate", Path: w.path, Err: err}
	}
	w.size = cut
	n, err := writeAll(w.fd, note)
	w.size += int64(n)
	if err != nil {
		return &os.PathError{Op: "write", Path: w.path, Err: err}
	}
	return nil
}

// recordEndBefore finds the end of the last whole record that ends at or
// before off (0 when none does), reading back at most 64 KiB.
func (w *logWriter) recordEndBefore(off int64) int64 {
	if off <= 0 {
		return 0
	}
	start := max(0, off-64*1024)
	buf := make([]byte, off-start)
	n, _ := unix.Pread(w.fd, buf, start)
	if i := bytes.LastIndexByte(buf[:max(n, 0)], '\n'); i >= 0 {
		return start + int64(i) + 1
	}
	return 0
}

func (w *logWriter) close() {
	unix.Fsync(w.fd)
	unix.Close(w.fd)
}
