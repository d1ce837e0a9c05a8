package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// stagingLockName is the lock file containers/storage's overlay driver
// keeps in each staging directory while a layer is unpacked there; it
// holds a POSIX (fcntl) write lock on it for as long as the directory is
// in use.
const stagingLockName = "staging.lock"

// stagingGuardName is pod's own lock file beside the staging directory.
// Every pull holds a shared lock on it for as long as it may have staging
// directories; a pull that gets it exclusively knows no pod process is
// staging anything. It is needed because containers/storage creates a
// staging directory (and its "dir") before it creates and locks the
// directory's staging.lock: a pull killed in between leaves a directory
// no lock will ever say is dead, and one being set up looks the same.
const stagingGuardName = "pod-staging.lock"

// stagingGuard is a pull's shared hold on the staging area. Its lock is
// an open file description (OFD) lock: each pull holds its own, whatever
// process it runs in, and it is released when the process dies, however
// it dies. The descriptor is close-on-exec, so that the unpacking child
// processes containers/storage starts cannot keep it alive.
type stagingGuard struct {
	fd int
}

// holdStaging takes a pull's share of the staging area of the store
// whose driver keeps its layers in driverHome, first sweeping what killed
// pulls left there when it can do so safely: if no other pod pull, in
// any process, holds a share, every staging directory that no process
// locks is dead, including those without a lock file; otherwise, when
// lone says this is the only pull in flight in this process, the
// directories whose lock file no process holds are. The caller releases
// the share with Close once its pull has committed or removed every
// staging directory it made. Errors from the sweep are ignored: a
// leftover costs disk space, not correctness.
func holdStaging(ctx context.Context, driverHome string, lone bool) (*stagingGuard, error) {
	p := filepath.Join(driverHome, stagingGuardName)
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("staging lock %s: %w", p, err)
	}
	g := &stagingGuard{fd: fd}
	switch err := g.lock(unix.F_WRLCK); {
	case err == nil:
		pruneDeadStaging(driverHome, true)
		// Converting the lock is atomic: no sweeper can slip in.
		if err := g.lock(unix.F_RDLCK); err != nil {
			g.Close()
			return nil, fmt.Errorf("staging lock %s: %w", p, err)
		}
		return g, nil
	case errors.Is(err, unix.EAGAIN):
	default:
		// No OFD locks here (an old kernel, some network file systems):
		// fall back to sweeping only what staging.lock says is dead.
		g.Close()
		if lone {
			pruneDeadStaging(driverHome, false)
		}
		return nil, nil
	}
	if lone {
		pruneDeadStaging(driverHome, false)
	}
	// Other pulls share the area. A sweeper holds it exclusively only
	// while it removes dead directories, so waiting is short; poll rather
	// than block so that the wait honours ctx.
	for {
		err := g.lock(unix.F_RDLCK)
		if err == nil {
			return g, nil
		}
		if !errors.Is(err, unix.EAGAIN) {
			g.Close()
			return nil, fmt.Errorf("staging lock %s: %w", p, err)
		}
		select {
		case <-ctx.Done():
			g.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// lock sets the guard's lock to typ without waiting; it fails with EAGAIN
// if another open file description holds a conflicting lock.
func (g *stagingGuard) lock(typ int16) error {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: 0, Len: 0}
	for {
		err := unix.FcntlFlock(uintptr(g.fd), unix.F_OFD_SETLK, &lk)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Close releases the share. A nil guard does nothing.
func (g *stagingGuard) Close() {
	if g != nil {
		_ = unix.Close(g.fd)
	}
}

// pruneDeadStaging removes the staging directories that pulls killed
// mid-way left under driverHome/staging. containers/storage removes them
// itself only when the store shuts down with no layer mounted, which
// never happens while a container runs.
//
// It always removes the directories whose lock file no process holds;
// with all, also those that have none, which the caller may ask for only
// while it holds the staging guard exclusively (holdStaging). Either way
// the caller must have no staging directory of its own in use: a
// process's own fcntl locks do not exclude it, and closing any descriptor
// of a file drops the process's locks on it, so probing a directory
// another goroutine is unpacking into would break that pull.
func pruneDeadStaging(driverHome string, all bool) {
	base := filepath.Join(driverHome, "staging")
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		dir := filepath.Join(base, e.Name())
		if stagingDead(filepath.Join(dir, stagingLockName), all) {
			_ = os.RemoveAll(dir)
		}
	}
}

// stagingDead says whether the staging directory whose lock file is at p
// is dead: the lock file exists and no process holds it, or, with
// lockless, it does not exist. Without lockless, a directory without a
// lock file may be one a live pull is setting up.
func stagingDead(p string, lockless bool) bool {
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return lockless && errors.Is(err, unix.ENOENT)
	}
	defer unix.Close(fd)
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	// Closing the descriptor releases the lock if we got it.
	return unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk) == nil
}
