package fscopy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The methods of this file make single entries (a build's COPY, ADD,
// WORKDIR and heredocs write through them). Unlike Extract's walk, which
// creates the target of a dangling symlink on an entry's way, they refuse
// a path whose directories are not directories, or symlinks to
// directories, inside the root. An entry's owner, mode and times are set
// through a descriptor of the entry itself, never by a path.

// Owner is who owns the directories MkdirAll creates.
type Owner struct{ UID, GID int }

// Meta is what an entry gets once made: owner (when Chown), mode (for
// all but symlinks) and modification time (when not zero).
type Meta struct {
	Chown    bool
	UID, GID int
	Mode     uint32 // permission, set-ID and sticky bits
	ModTime  time.Time
}

// rel cleans p to a path relative to the root's /.
func rel(p string) string {
	p = strings.TrimPrefix(clean(p), "/")
	if p == "" {
		return "."
	}
	return p
}

// open opens p inside the root; symlinks on the way are followed inside
// it, the last one too unless flags hold O_NOFOLLOW.
func (r *Root) open(p string, flags int, mode uint32) (int, error) {
	return r.openat2(p, flags, mode, false)
}

// Open opens p inside the root for reading (flags as for open(2));
// symlinks on the way, the last one too, resolve inside the root.
func (r *Root) Open(p string, flags int) (*os.File, error) {
	fd, err := r.open(p, flags, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path.Join(r.Name(), clean(p))), nil
}

// IsDir reports whether p, resolved inside the root, is a directory.
func (r *Root) IsDir(p string) bool {
	fd, err := r.open(p, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// MkdirAll makes the directory p inside the root and its missing parents
// (mode 0755, owned by own; nil: by whoever creates them).
func (r *Root) MkdirAll(p string, own *Owner) error {
	fd, err := r.mkdirAll(p, own)
	if err != nil {
		return err
	}
	return unix.Close(fd)
}

// mkdirAll is MkdirAll returning a descriptor of p (O_PATH).
func (r *Root) mkdirAll(p string, own *Owner) (int, error) {
	p = rel(p)
	fd, err := r.open(p, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err == nil || !errors.Is(err, unix.ENOENT) || p == "." {
		return fd, err
	}
	pfd, err := r.mkdirAll(path.Dir(p), own)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	base := path.Base(p)
	if err := unix.Mkdirat(pfd, base, 0o755); err != nil && err != unix.EEXIST {
		return -1, fmt.Errorf("mkdir /%s: %w", p, err)
	}
	fd, err = unix.Openat(pfd, base, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if err == unix.ENOTDIR || err == unix.ELOOP {
			return -1, fmt.Errorf("/%s is not a directory, nor a symlink to one inside the root filesystem: %w", p, err)
		}
		return -1, fmt.Errorf("open /%s: %w", p, err)
	}
	if own != nil {
		if err := unix.Fchownat(fd, "", own.UID, own.GID, unix.AT_EMPTY_PATH); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("chown /%s: %w", p, err)
		}
	}
	return fd, nil
}

// parent returns a descriptor (O_PATH) of p's parent directory, made
// with mkdirAll, and p's last name.
func (r *Root) parent(p string) (int, string, error) {
	p = rel(p)
	if p == "." {
		return -1, "", fmt.Errorf("%s: the root itself is not an entry", r.Name())
	}
	pfd, err := r.mkdirAll(path.Dir(p), nil)
	return pfd, path.Base(p), err
}

// apply sets m on the entry fd is open on (O_PATH or not; a symlink's
// own descriptor for a link). chmod needs a descriptor that is not
// O_PATH, so it is given as modeFd (-1: leave the mode).
func (m Meta) apply(fd, modeFd int) error {
	if m.Chown {
		if err := unix.Fchownat(fd, "", m.UID, m.GID, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	// After chown, which clears set-ID bits.
	if modeFd >= 0 {
		if err := unix.Fchmod(modeFd, m.Mode); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	if !m.ModTime.IsZero() {
		ts := unix.NsecToTimespec(m.ModTime.UnixNano())
		if err := unix.UtimesNanoAt(fd, "", []unix.Timespec{ts, ts}, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("set times: %w", err)
		}
	}
	return nil
}

// clearEntry removes the non-directory named base in pfd, if any, so
// that a new entry takes its place (and a link there is replaced, not
// followed).
func clearEntry(pfd int, base string) error {
	err := unix.Unlinkat(pfd, base, 0)
	switch {
	case err == nil, err == unix.ENOENT:
		return nil
	case err == unix.EISDIR:
		return fmt.Errorf("cannot overwrite directory %s with a non-directory", base)
	}
	return err
}

// replace returns a descriptor (O_PATH) of p's parent directory, made
// with mkdirAll, and p's last name, once the non-directory there, if
// any, is removed for a new entry to take its place.
func (r *Root) replace(p string) (int, string, error) {
	pfd, base, err := r.parent(p)
	if err != nil {
		return -1, "", err
	}
	if err := clearEntry(pfd, base); err != nil {
		unix.Close(pfd)
		return -1, "", fmt.Errorf("%s: %w", p, err)
	}
	return pfd, base, nil
}

// Mkdir makes the directory p (an existing one, or a symlink to one
// inside the root, is kept) and gives it m.
func (r *Root) Mkdir(p string, m Meta) error {
	fd, err := r.open(p, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if errors.Is(err, unix.ENOENT) {
		var pfd int
		var base string
		if pfd, base, err = r.parent(p); err != nil {
			return err
		}
		defer unix.Close(pfd)
		if err := unix.Mkdirat(pfd, base, 0o700); err != nil && err != unix.EEXIST {
			return fmt.Errorf("mkdir %s: %w", p, err)
		}
		fd, err = unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return fmt.Errorf("mkdir %s: %w", p, err)
	}
	defer unix.Close(fd)
	if err := m.apply(fd, fd); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// WriteFile makes p a new regular file holding what from reads,
// replacing what was there, and gives it m.
func (r *Root) WriteFile(p string, from io.Reader, m Meta) error {
	pfd, base, err := r.replace(p)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	if _, err := io.Copy(f, from); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := m.apply(fd, fd); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// Symlink makes p a symlink to target, replacing what was there; the
// link gets m's owner and time.
func (r *Root) Symlink(p, target string, m Meta) error {
	pfd, base, err := r.replace(p)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if err := unix.Symlinkat(target, pfd, base); err != nil {
		return fmt.Errorf("symlink %s: %w", p, err)
	}
	fd, err := unix.Openat(pfd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	defer unix.Close(fd)
	if err := m.apply(fd, -1); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// Link makes p a hard link to old (both inside the root; old's last
// component is not followed: a link to a symlink links the symlink). The
// linked inode keeps its owner and mode: nothing is changed through it.
func (r *Root) Link(p, old string) error {
	opfd, obase, err := r.parent(old)
	if err != nil {
		return err
	}
	defer unix.Close(opfd)
	pfd, base, err := r.replace(p)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if err := unix.Linkat(opfd, obase, pfd, base, 0); err != nil {
		return fmt.Errorf("link %s to %s: %w", p, old, err)
	}
	return nil
}

// Mknod makes p a device or fifo (mode holds the file type), replacing
// what was there, and gives it m.
func (r *Root) Mknod(p string, mode uint32, dev int, m Meta) error {
	pfd, base, err := r.replace(p)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if err := unix.Mknodat(pfd, base, mode|0o600, dev); err != nil {
		return fmt.Errorf("mknod %s: %w", p, err)
	}
	fd, err := unix.Openat(pfd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	defer unix.Close(fd)
	// A node's mode cannot be set through an O_PATH descriptor; pfd and
	// base name the node just made in a directory inside the root.
	if err := unix.Fchmodat(pfd, base, m.Mode, 0); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	return m.apply(fd, -1)
}

// Chtimes sets the modification time of p (its last component not
// followed).
func (r *Root) Chtimes(p string, t time.Time) error {
	fd, err := r.open(p, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := (Meta{ModTime: t}).apply(fd, -1); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
