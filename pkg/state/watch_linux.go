package state

import (
	"context"
	"fmt"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Watch returns a channel that receives (coalesced) after any process
// writes to the DB, so a follower such as `pod events --stream` sleeps
// until something changed instead of polling. It watches the DB's
// directory for writes to the DB and its WAL file: in WAL mode every
// commit appends to the WAL. The channel closes when ctx ends.
//
// The kernel may drop notifications when its queue overflows; callers
// should still re-read now and then (a few seconds apart costs nothing).
func (db *DB) Watch(ctx context.Context) (<-chan struct{}, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("watch state DB: %w", err)
	}
	dir := filepath.Dir(db.path)
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_MODIFY|unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watch state DB directory %s: %w", dir, err)
	}
	// A pipe wakes the poll below when ctx ends.
	var stop [2]int
	if err := unix.Pipe2(stop[:], unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watch state DB: %w", err)
	}
	base := filepath.Base(db.path)
	names := map[string]bool{base: true, base + "-wal": true}
	ch := make(chan struct{}, 1)
	go func() {
		<-ctx.Done()
		unix.Write(stop[1], []byte{0})
		unix.Close(stop[1])
	}()
	go func() {
		defer close(ch)
		defer unix.Close(fd)
		defer unix.Close(stop[0])
		buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
		for {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(stop[0]), Events: unix.POLLIN}}
			if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
				return
			}
			if fds[1].Revents != 0 {
				return
			}
			n, err := unix.Read(fd, buf)
			if err != nil {
				continue
			}
			if changed(buf[:n], names) {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
	}()
	return ch, nil
}

// changed reports whether a buffer of inotify events names one of names
// (or says events were dropped).
func changed(buf []byte, names map[string]bool) bool {
	for off := 0; off+unix.SizeofInotifyEvent <= len(buf); {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
			return true
		}
		nameStart := off + unix.SizeofInotifyEvent
		nameEnd := nameStart + int(ev.Len)
		if nameEnd > len(buf) {
			return true
		}
		name := string(buf[nameStart:nameEnd])
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		if names[name] {
			return true
		}
		off = nameEnd
	}
	return false
}
