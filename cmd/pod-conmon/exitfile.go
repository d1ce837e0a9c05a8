package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// exitReserve is the space the exit file's temporary is given when the
// monitor starts: a container whose output fills the filesystem (its log
// is there) must still have its exit code recorded, and with 0 bytes free
// even a 60-byte file cannot be created.
const exitReserve = 4096

// reserveExit creates the exit file's temporary with exitReserve bytes
// allocated and returns its descriptor, or -1 when that failed (the exit is
// then written the ordinary way, which needs free space).
func reserveExit(path string) int {
	fd, err := unix.Open(path+".tmp", unix.O_RDWR|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return -1
	}
	if err := unix.Fallocate(fd, 0, 0, exitReserve); err != nil {
		unix.Close(fd)
		return -1
	}
	return fd
}

// writeExit writes the exit file so that readers see all of it or none:
// into the reserved temporary when there is one (fd >= 0, closed here),
// needing no new block, then renamed into place.
func writeExit(path string, b []byte, fd int) error {
	if fd >= 0 {
		defer unix.Close(fd)
		if len(b) <= exitReserve {
			n, err := unix.Pwrite(fd, b, 0)
			if err == nil && n == len(b) {
				err = unix.Ftruncate(fd, int64(len(b)))
			}
			if err == nil {
				err = os.Rename(path+".tmp", path)
			}
			if err == nil {
				return nil
			}
		}
	}
	return writeAtomic(path, b)
}
