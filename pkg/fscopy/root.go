// Package fscopy owns every operation pod makes on a file tree that
// someone else controls (a container's or an image's root filesystem, a
// build context): `pod cp` in and out and `pod export` as tar streams
// (WriteTar, WriteTarWith, Extract), and a build's COPY, ADD, WORKDIR and
// heredocs one entry at a time (MkdirAll, Mkdir, WriteFile, Symlink,
// Link, Mknod, Chtimes). None of them ever leaves the tree.
//
// Contracts a caller may rely on:
//   - Every operation on the tree goes through file descriptors: paths are
//     resolved by the kernel with openat2(RESOLVE_IN_ROOT|
//     RESOLVE_NO_MAGICLINKS) relative to the descriptor of the root, so
//     "..", absolute symlinks and symlinks the tree's owner swaps in at any
//     moment all resolve inside the root, as if it were /.
//   - Entries are created, read, chowned, chmodded and timed through a
//     descriptor of the entry itself or of its parent directory with
//     AT_SYMLINK_NOFOLLOW; never through a path string the kernel would
//     walk again, so no check-then-use window exists for a process inside
//     the root to exploit.
//   - A hard link in an archive may only name an entry that the same
//     archive put inside the destination; a link to a symlink entry
//     links the symlink itself, and hard links never get metadata of their
//     own (the inode has it from its own entry).
package fscopy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Root is an open root filesystem: a directory descriptor that every path
// given to its methods is resolved in. A Root stays bound to the directory
// it was opened on, whatever happens later to the path it was opened by.
type Root struct {
	f *os.File
}

// OpenRoot opens dir as a Root. For a running container, dir is its
// init's /proc/PID/root: opening it yields the container's own root
// directory (with its mounts), and nothing later resolves through /proc.
func OpenRoot(dir string) (*Root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open root", Path: dir, Err: err}
	}
	return &Root{f: os.NewFile(uintptr(fd), dir)}, nil
}

// Close releases the root's descriptor.
func (r *Root) Close() error { return r.f.Close() }

// Name is the path the root was opened by (for messages only).
func (r *Root) Name() string { return r.f.Name() }

func (r *Root) fd() int { return int(r.f.Fd()) }

// clean makes p (absolute, or relative to the root's /) an absolute,
// lexically clean path; ".." never climbs above the root.
func clean(p string) string { return path.Clean("/" + p) }

// openat2 opens p inside the root. Only the kernel resolves it: symlinks
// (absolute ones too) and ".." stay inside the root, magic links (such as
// /proc/self/fd/N in the root's own /proc) are refused. With nofollow a
// symlink as the last component is not followed (ELOOP, or the link
// itself for O_PATH).
func (r *Root) openat2(p string, flags int, mode uint32, nofollow bool) (int, error) {
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Mode:    uint64(mode),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	if nofollow {
		how.Flags |= unix.O_NOFOLLOW
	}
	for i := 0; ; i++ {
		fd, err := unix.Openat2(r.fd(), clean(p), &how)
		// EAGAIN: a rename raced a ".." step; the kernel asks for a retry.
		if err == unix.EINTR || (err == unix.EAGAIN && i < 64) {
			continue
		}
		if err != nil {
			return -1, &fs.PathError{Op: "open", Path: clean(p), Err: err}
		}
		return fd, nil
	}
}

// openDir opens the directory p inside the root (symlinks followed inside
// the root) for use as the dirfd of *at calls and for reading.
func (r *Root) openDir(p string) (*os.File, error) {
	fd, err := r.openat2(p, unix.O_RDONLY|unix.O_DIRECTORY, 0, false)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), clean(p)), nil
}

// mkdirFollow opens the directory p inside the root, creating what is
// missing of it (mode 0755, as os.MkdirAll would).
func (r *Root) mkdirFollow(p string) (*os.File, error) {
	p = clean(p)
	d, err := r.openDir(p)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return d, err
	}
	return r.mkdirWalk(p)
}

// mkdirWalk resolves p one component at a time, each opened with
// O_NOFOLLOW in the descriptor of the one before and created there with
// mkdirat when missing. A symlink on the way (a dangling one too: its
// target is then created) is read and its target walked instead, from the
// root for an absolute one; ".." goes back up the path walked so far,
// reopened from the root, so it never climbs above it.
func (r *Root) mkdirWalk(p string) (*os.File, error) {
	dir, err := r.openDir("/")
	if err != nil {
		return nil, err
	}
	defer func() { dir.Close() }()
	todo := strings.Split(p, "/")
	cur, links := "/", 0
	for len(todo) > 0 {
		comp := todo[0]
		todo = todo[1:]
		var next *os.File
		switch comp {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			if next, err = r.openDir(cur); err != nil {
				return nil, err
			}
			dir.Close()
			dir = next
			continue
		}
		dfd := int(dir.Fd())
		var st unix.Stat_t
		err := unix.Fstatat(dfd, comp, &st, unix.AT_SYMLINK_NOFOLLOW)
		switch {
		case err == unix.ENOENT:
			if err := unix.Mkdirat(dfd, comp, 0o755); err != nil && err != unix.EEXIST {
				return nil, &fs.PathError{Op: "mkdir", Path: path.Join(cur, comp), Err: err}
			}
		case err != nil:
			return nil, &fs.PathError{Op: "stat", Path: path.Join(cur, comp), Err: err}
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			if links++; links > 255 {
				return nil, &fs.PathError{Op: "mkdir", Path: p, Err: unix.ELOOP}
			}
			target, err := readlinkAt(dfd, comp)
			if err != nil {
				return nil, &fs.PathError{Op: "readlink", Path: path.Join(cur, comp), Err: err}
			}
			todo = append(strings.Split(target, "/"), todo...)
			if path.IsAbs(target) {
				cur = "/"
				if next, err = r.openDir("/"); err != nil {
					return nil, err
				}
				dir.Close()
				dir = next
			}
			continue
		}
		fd, err := openAt(dfd, comp, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return nil, err
		}
		cur = path.Join(cur, comp)
		dir.Close()
		dir = os.NewFile(uintptr(fd), cur)
	}
	d := dir
	dir = nil
	return d, nil
}

// Stat describes p inside the root, following a final symlink (inside the
// root) with follow.
func (r *Root) Stat(p string, follow bool) (fs.FileInfo, error) {
	fd, err := r.openat2(p, unix.O_PATH, 0, !follow)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "fstat", Path: clean(p), Err: err}
	}
	return fileInfo(path.Base(clean(p)), &st), nil
}

// statInfo is an fs.FileInfo made from an fstat of a descriptor.
type statInfo struct {
	name string
	st   unix.Stat_t
}

func fileInfo(name string, st *unix.Stat_t) fs.FileInfo { return &statInfo{name: name, st: *st} }

func (s *statInfo) Name() string       { return s.name }
func (s *statInfo) Size() int64        { return s.st.Size }
func (s *statInfo) ModTime() time.Time { return time.Unix(s.st.Mtim.Unix()) }
func (s *statInfo) IsDir() bool        { return s.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (s *statInfo) Sys() any           { return &s.st }
func (s *statInfo) Mode() fs.FileMode {
	m := fs.FileMode(s.st.Mode & 0o777)
	switch s.st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	}
	if s.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if s.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if s.st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// sameFile reports whether two fstats describe one inode.
func sameFile(a, b *unix.Stat_t) bool { return a.Dev == b.Dev && a.Ino == b.Ino }

// errChangedKind is what errChanged wraps, for errors.Is.
var errChangedKind = errors.New("changed while being copied")

// errChanged says an entry was replaced while it was being copied.
func errChanged(p string) error {
	return fmt.Errorf("%s %w", p, errChangedKind)
}
