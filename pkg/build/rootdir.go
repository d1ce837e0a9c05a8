package build

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// rootDir is a directory that COPY, ADD and the unpacking of a context
// archive write into only through descriptors: every path is resolved by
// the kernel inside it (openat2 RESOLVE_IN_ROOT), so that a symlink the
// image, a stage or an archive put there (absolute, or climbing with
// "..") resolves as it would inside the container and never leads to the
// host's files; entries are created relative to a descriptor of their
// parent, and their owner, mode and times are set through a descriptor of
// the entry itself, never by a path that could follow a link.
type rootDir struct {
	fd   int
	path string // for messages only
}

// openRootDir opens dir as a rootDir; Close releases it.
func openRootDir(dir string) (*rootDir, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &rootDir{fd: fd, path: dir}, nil
}

func (r *rootDir) Close() { unix.Close(r.fd) }

// inRoot cleans p to a path relative to the root's /.
func inRoot(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// open opens p inside the root; symlinks on the way are followed inside
// it, the last one too unless flags hold O_NOFOLLOW.
func (r *rootDir) open(p string, flags int, mode uint32) (int, error) {
	how := &unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Mode:    uint64(mode),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for i := 0; ; i++ {
		fd, err := unix.Openat2(r.fd, inRoot(p), how)
		// EAGAIN: a rename raced the lookup; the kernel asks for a retry.
		if (err == unix.EAGAIN || err == unix.EINTR) && i < 64 {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: "/" + strings.TrimPrefix(inRoot(p), "."), Err: err}
		}
		return fd, nil
	}
}

// owner is who owns the directories mkdirAll creates (nil: whoever
// creates them).
type owner struct{ uid, gid int }

// mkdirAll makes the directory p inside the root, and its missing
// parents (owned by own), and returns a descriptor of it (O_PATH).
func (r *rootDir) mkdirAll(p string, own *owner) (int, error) {
	p = inRoot(p)
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
		if err := unix.Fchownat(fd, "", own.uid, own.gid, unix.AT_EMPTY_PATH); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("chown /%s: %w", p, err)
		}
	}
	return fd, nil
}

// parent returns a descriptor (O_PATH) of p's parent directory, made
// with mkdirAll, and p's last name.
func (r *rootDir) parent(p string, own *owner) (int, string, error) {
	p = inRoot(p)
	if p == "." {
		return -1, "", fmt.Errorf("%s: the root itself is not an entry", r.path)
	}
	pfd, err := r.mkdirAll(path.Dir(p), own)
	return pfd, path.Base(p), err
}

// isDir reports whether p, resolved inside the root, is a directory.
func (r *rootDir) isDir(p string) bool {
	fd, err := r.open(p, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// meta is what an entry gets once made: owner (when chown), mode (for
// all but symlinks) and modification time (when not zero).
type meta struct {
	chown    bool
	uid, gid int
	mode     uint32 // permission, set-ID and sticky bits
	mtime    time.Time
}

// apply sets m on the entry fd is open on (O_PATH or not; a symlink's
// own descriptor for a link). chmod needs a descriptor that is not
// O_PATH, so it is given as modeFd (-1: leave the mode).
func (m meta) apply(fd, modeFd int) error {
	if m.chown {
		if err := unix.Fchownat(fd, "", m.uid, m.gid, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	// After chown, which clears set-ID bits.
	if modeFd >= 0 {
		if err := unix.Fchmod(modeFd, m.mode); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	if !m.mtime.IsZero() {
		ts := unix.NsecToTimespec(m.mtime.UnixNano())
		if err := unix.UtimesNanoAt(fd, "", []unix.Timespec{ts, ts}, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("set times: %w", err)
		}
	}
	return nil
}

// clear removes the non-directory named base in pfd, if any, so that a
// new entry takes its place (and a link there is replaced, not followed).
func clear(pfd int, base string) error {
	err := unix.Unlinkat(pfd, base, 0)
	switch {
	case err == nil, err == unix.ENOENT:
		return nil
	case err == unix.EISDIR:
		return fmt.Errorf("cannot overwrite directory %s with a non-directory", base)
	}
	return err
}

// mkdir makes the directory p (an existing one, or a symlink to one
// inside the root, is kept) and gives it m.
func (r *rootDir) mkdir(p string, m meta, own *owner) error {
	fd, err := r.open(p, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if errors.Is(err, unix.ENOENT) {
		var pfd int
		var base string
		if pfd, base, err = r.parent(p, own); err != nil {
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

// writeFile makes p a new regular file holding what from reads,
// replacing what was there, and gives it m.
func (r *rootDir) writeFile(p string, from io.Reader, m meta, own *owner) error {
	pfd, base, err := r.parent(p, own)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if err := clear(pfd, base); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
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

// symlink makes p a symlink to target, replacing what was there; the
// link gets m's owner and time.
func (r *rootDir) symlink(p, target string, m meta, own *owner) error {
	pfd, base, err := r.parent(p, own)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if err := clear(pfd, base); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
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

// link makes p a hard link to old (both inside the root; old's last
// component is not followed: a link to a symlink links the symlink). The
// linked inode keeps its owner and mode: nothing is changed through it.
func (r *rootDir) link(p, old string, own *owner) error {
	opfd, obase, err := r.parent(old, nil)
	if err != nil {
		return err
	}
	defer unix.Close(opfd)
	pfd, base, err := r.parent(p, own)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if err := clear(pfd, base); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if err := unix.Linkat(opfd, obase, pfd, base, 0); err != nil {
		return fmt.Errorf("link %s to %s: %w", p, old, err)
	}
	return nil
}

// mknod makes p a device or fifo (mode holds the file type), replacing
// what was there, and gives it m.
func (r *rootDir) mknod(p string, mode uint32, dev int, m meta, own *owner) error {
	pfd, base, err := r.parent(p, own)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if err := clear(pfd, base); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
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
	if err := unix.Fchmodat(pfd, base, m.mode, 0); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	return m.apply(fd, -1)
}

// chtimes sets the modification time of p (its last component not
// followed).
func (r *rootDir) chtimes(p string, t time.Time) error {
	fd, err := r.open(p, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := (meta{mtime: t}).apply(fd, -1); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// unixMode turns a FileMode's permission, set-ID and sticky bits into
// chmod's.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= unix.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		u |= unix.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		u |= unix.S_ISVTX
	}
	return u
}
