package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// The monitor reads and writes its files through raw descriptors, not
// os.File: the first os.File opened on a regular file starts the runtime's
// network poller (an epoll instance, an eventfd and their bookkeeping) and
// every os.File registers a cleanup, all of which would stay in the memory
// of every monitor for nothing.

// readSmall reads a small file (a pid file, a cgroup file) to its end, into
// buf if it fits.
func readSmall(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf)+512)...)
		}
		k, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if k == 0 {
			return buf[:n], nil
		}
		n += k
	}
}

// writeAll writes b to fd, resuming after short writes.
func writeAll(fd int, b []byte) (int, error) {
	done := 0
	for done < len(b) {
		k, err := unix.Write(fd, b[done:])
		if k > 0 {
			done += k
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// openAppend opens (creating it 0600) a file to append to.
func openAppend(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}
