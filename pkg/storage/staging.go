package storage

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// stagingLockName is the lock file containers/storage's overlay driver
// keeps in each staging directory while a layer is unpacked there; it
// holds a POSIX (fcntl) write lock on it for as long as the directory is
// in use.
const stagingLockName = "staging.lock"

// pruneDeadStaging removes the staging directories that pulls killed
// mid-way left under graphRoot/DRIVER/staging: those whose lock file no
// process holds. containers/storage removes them itself only when the
// store shuts down with no layer mounted, which never happens while a
// container runs. The caller must be the only pull in flight in this
// process: a process's own fcntl locks do not exclude it, and closing any
// descriptor of a file drops the process's locks on it, so probing a
// directory another goroutine is unpacking into would break that pull.
// Errors are ignored: a leftover costs disk space, not correctness.
func pruneDeadStaging(driverHome string) {
	base := filepath.Join(driverHome, "staging")
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		dir := filepath.Join(base, e.Name())
		if stagingAbandoned(filepath.Join(dir, stagingLockName)) {
			_ = os.RemoveAll(dir)
		}
	}
}

// stagingAbandoned says whether the lock file at p exists and no process
// holds it. A directory without one is being set up, or was finished by
// its owner, who removes it.
func stagingAbandoned(p string) bool {
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	// Closing the descriptor releases the lock if we got it.
	return unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk) == nil
}
