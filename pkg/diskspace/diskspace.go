// Package diskspace says which filesystem is full when a write fails for
// lack of space, so that an error names the place to free rather than only
// "no space left on device".
//
// Contracts a caller may rely on:
//
//   - IsFull recognises ENOSPC and EDQUOT however deeply wrapped.
//   - Explain never hides the original error: errors.Is and errors.As still
//     find it through the result.
//   - The package uses the standard library and golang.org/x/sys only, so
//     the monitor (cmd/pod-conmon) can use it.
package diskspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// IsFull reports whether err is a write refused for lack of space (or of
// quota).
func IsFull(err error) bool {
	return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT)
}

// Error is a lack of space with the filesystem it happened on.
type Error struct {
	Err        error
	Path       string // what was written (or a directory on the same filesystem)
	MountPoint string // where that filesystem is mounted; "" when unknown
	Free       uint64 // bytes available to unprivileged users
}

func (e *Error) Error() string {
	if e.MountPoint == "" {
		return fmt.Sprintf("%v: the filesystem holding %s is full", e.Err, e.Path)
	}
	return fmt.Sprintf("%v: the filesystem mounted at %s (holding %s) is full (%d bytes free)", e.Err, e.MountPoint, e.Path, e.Free)
}

func (e *Error) Unwrap() error { return e.Err }

// Explain returns err naming the filesystem that holds path when full says
// the failure was for lack of space, and err unchanged otherwise (or when
// it already names one).
func Explain(err error, path string, full bool) error {
	var de *Error
	if err == nil || !full || errors.As(err, &de) {
		return err
	}
	mnt, free := Where(path)
	return &Error{Err: err, Path: path, MountPoint: mnt, Free: free}
}

// ExplainPath is Explain for an error that may itself say what was written:
// when err is a lack of space, the filesystem named is that of the path in
// the first *os.PathError or *os.LinkError err wraps, else fallback's. err
// is returned unchanged when no path is known.
func ExplainPath(err error, fallback string) error {
	if !IsFull(err) {
		return err
	}
	path := fallback
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe) && pe.Path != "":
		path = pe.Path
	case errors.As(err, &le) && le.New != "":
		path = le.New
	}
	if path == "" {
		return err
	}
	return Explain(err, path, true)
}

// Where finds the mount point of the filesystem holding path (or its
// nearest existing parent) and the bytes free on it: the mount point is the
// highest directory on the same device.
func Where(path string) (mountPoint string, free uint64) {
	p, err := filepath.Abs(path)
	if err != nil {
		return "", 0
	}
	var st unix.Stat_t
	for unix.Stat(p, &st) != nil {
		parent := filepath.Dir(p)
		if parent == p {
			return "", 0
		}
		p = parent
	}
	var fs unix.Statfs_t
	if unix.Statfs(p, &fs) == nil {
		free = fs.Bavail * uint64(fs.Bsize)
	}
	dev := st.Dev
	for {
		parent := filepath.Dir(p)
		if parent == p {
			return p, free
		}
		var pst unix.Stat_t
		if unix.Stat(parent, &pst) != nil || pst.Dev != dev {
			return p, free
		}
		p = parent
	}
}
