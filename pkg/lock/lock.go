// Package lock provides exclusive advisory file locks (flock(2)) that
// serialise work across pod processes, such as the lifecycle operations on
// one container (`pod stop X` racing `pod rm X`).
//
// Contracts a caller may rely on:
//
//   - A lock is held by an open file description, so it excludes other
//     processes and also other Acquire calls in the same process.
//   - The kernel releases a lock when its holder dies, however it dies: a
//     killed pod never leaves a container locked.
//   - The lock file's descriptor is close-on-exec: child processes (the
//     monitor, the OCI runtime) do not inherit the lock.
//   - Lock files are never removed: deleting a lock file while another
//     process waits on it would let two processes "hold" it at once.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Lock is an exclusive advisory lock on a file (flock), held until Release.
type Lock struct {
	f *os.File
}

// Poll intervals while waiting in Acquire: flock cannot be interrupted by a
// context, so Acquire retries a non-blocking flock, starting fast (lifecycle
// operations usually hold a lock for milliseconds) and backing off.
const (
	minPoll = 2 * time.Millisecond
	maxPoll = 50 * time.Millisecond
)

// Acquire takes the lock on path, creating the file (and its directory) if
// needed. It blocks until the lock is acquired or ctx is done, in which
// case it returns ctx's error.
func Acquire(ctx context.Context, path string) (*Lock, error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	wait := minPoll
	for {
		ok, err := tryFlock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return &Lock{f: f}, nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, maxPoll)
	}
}

// TryAcquire takes the lock on path if nobody holds it. ok is false, with a
// nil error, when another holder has it.
func TryAcquire(path string) (l *Lock, ok bool, err error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, false, err
	}
	ok, err = tryFlock(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return nil, false, fmt.Errorf("lock %s: %w", path, err)
		}
		return nil, false, nil
	}
	return &Lock{f: f}, true, nil
}

// Release releases the lock. Releasing a released lock is a no-op.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	// Closing the only descriptor of the open file description releases the
	// flock; unlocking first makes that explicit and independent of dups.
	uerr := unix.Flock(int(f.Fd()), unix.LOCK_UN)
	cerr := f.Close()
	if uerr != nil {
		return fmt.Errorf("unlock %s: %w", f.Name(), uerr)
	}
	if cerr != nil {
		return fmt.Errorf("unlock %s: %w", f.Name(), cerr)
	}
	return nil
}

func openLockFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// os.OpenFile sets O_CLOEXEC.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

func tryFlock(f *os.File) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		default:
			return false, err
		}
	}
}

// RemoveIfUnused removes the lock file at path when nobody holds it and
// gone, asked while the lock is held, still says its object cannot be
// looked up any more. It is the one exception to "lock files are never
// removed": an object that no longer exists is never locked again (IDs are
// not reused), so a process that was still waiting on the removed file
// locks a file nobody else needs, and then finds the object gone. removed
// is false, with a nil error, when the lock was held or the object exists.
func RemoveIfUnused(path string, gone func() (bool, error)) (removed bool, err error) {
	l, ok, err := TryAcquire(path)
	if err != nil || !ok {
		return false, err
	}
	defer l.Release()
	isGone, err := gone()
	if err != nil || !isGone {
		return false, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("remove lock %s: %w", path, err)
	}
	return true, nil
}
