package fscopy

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// opener opens one entry with the given open flags; it never follows a
// symlink the entry has become unless the caller asked to follow it.
type opener func(flags int) (int, error)

// WriteTar writes p (inside the root) and, for a directory, everything
// under it, as a tar stream whose entries are named under name ("." puts a
// directory's contents at the top). The last component of p is followed
// (inside the root) only with follow; nothing below it ever is: symlinks
// are stored as links, sockets are skipped.
//
// Each entry is opened relative to its parent directory's descriptor with
// O_PATH|O_NOFOLLOW and checked with fstat; a file is read from that inode
// (reopened through its descriptor), a directory listed from a descriptor
// that must be the same inode. An entry swapped for another while it is
// copied is an error, never followed.
func (r *Root) WriteTar(w io.Writer, p string, follow bool, name string) error {
	p = clean(p)
	var open opener
	if p == "/" || follow {
		open = func(flags int) (int, error) { return r.openat2(p, flags, 0, false) }
	} else {
		parent, err := r.openDir(path.Dir(p))
		if err != nil {
			return err
		}
		defer parent.Close()
		open = childOpener(int(parent.Fd()), path.Base(p))
	}
	tw := tar.NewWriter(w)
	if err := writeNode(tw, open, name, p, true); err != nil {
		return err
	}
	return tw.Close()
}

func childOpener(dirfd int, base string) opener {
	return func(flags int) (int, error) {
		for {
			fd, err := unix.Openat(dirfd, base, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return -1, &fs.PathError{Op: "openat", Path: base, Err: err}
			}
			return fd, nil
		}
	}
}

// writeNode writes the entry open opens, named name in the archive; shown
// is its path in the root, for messages.
func writeNode(tw *tar.Writer, open opener, name, shown string, top bool) error {
	// O_PATH first: it opens anything (a symlink itself, with O_NOFOLLOW)
	// without the side effects of opening a FIFO or a device.
	pfd, err := open(unix.O_PATH)
	if err != nil {
		if !top && errors.Is(err, fs.ErrNotExist) {
			return nil // removed since its directory was read
		}
		return err
	}
	handle := os.NewFile(uintptr(pfd), shown)
	defer handle.Close()
	var st unix.Stat_t
	var link string
	err = unix.Fstat(pfd, &st)
	if err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
		link, err = readlinkFd(pfd)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFSOCK:
		return nil
	case unix.S_IFDIR:
		return writeDir(tw, open, &st, name, shown)
	case unix.S_IFREG:
		return writeFile(tw, handle, &st, name, shown)
	}
	return tw.WriteHeader(header(&st, name, link))
}

// reopen opens the directory entry again for reading (O_DIRECTORY: the
// kernel opens nothing else, so no FIFO or device open can happen) and
// checks, on the new descriptor, that it is still the inode first seen.
func reopen(open opener, flags int, first *unix.Stat_t, shown string) (*os.File, *unix.Stat_t, error) {
	fd, err := open(flags)
	if err != nil {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			return nil, nil, errChanged(shown)
		}
		return nil, nil, err
	}
	f := os.NewFile(uintptr(fd), shown)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", shown, err)
	}
	if !sameFile(first, &st) || first.Mode&unix.S_IFMT != st.Mode&unix.S_IFMT {
		f.Close()
		return nil, nil, errChanged(shown)
	}
	return f, &st, nil
}

func writeDir(tw *tar.Writer, open opener, first *unix.Stat_t, name, shown string) error {
	dir, st, err := reopen(open, unix.O_RDONLY|unix.O_DIRECTORY, first, shown)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := tw.WriteHeader(header(st, name, "")); err != nil {
		return err
	}
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	sort.Strings(names)
	dirfd := int(dir.Fd())
	for _, n := range names {
		if err := writeNode(tw, childOpener(dirfd, n), path.Join(name, n), path.Join(shown, n), false); err != nil {
			return err
		}
	}
	return nil
}

// writeFile copies the regular file whose O_PATH handle was fstat'ed as
// first. It reads from that very inode, reopened through the handle
// (securejoin.Reopen, by a hardened /proc/thread-self/fd): opening the
// name again could open whatever was swapped in meanwhile — a FIFO, or a
// device node whose open alone has effects on the host.
func writeFile(tw *tar.Writer, handle *os.File, first *unix.Stat_t, name, shown string) error {
	f, err := securejoin.Reopen(handle, unix.O_RDONLY)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	if !sameFile(first, &st) {
		return errChanged(shown) // cannot happen: the same descriptor's inode
	}
	hdr := header(&st, name, "")
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, f, hdr.Size); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	return nil
}

// header describes an fstat'ed entry. Owners travel as numbers: names
// mean nothing on the other side.
func header(st *unix.Stat_t, name, link string) *tar.Header {
	h := &tar.Header{
		Name:    name,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Unix()),
		Format:  tar.FormatPAX,
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		h.Typeflag = tar.TypeDir
		h.Name += "/"
	case unix.S_IFREG:
		h.Typeflag = tar.TypeReg
		h.Size = st.Size
	case unix.S_IFLNK:
		h.Typeflag = tar.TypeSymlink
		h.Linkname = link
	case unix.S_IFIFO:
		h.Typeflag = tar.TypeFifo
	case unix.S_IFCHR, unix.S_IFBLK:
		h.Typeflag = tar.TypeChar
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			h.Typeflag = tar.TypeBlock
		}
		h.Devmajor = int64(unix.Major(st.Rdev))
		h.Devminor = int64(unix.Minor(st.Rdev))
	}
	return h
}

// readlinkFd reads the target of the symlink an O_PATH|O_NOFOLLOW
// descriptor holds.
func readlinkFd(fd int) (string, error) { return readlinkAt(fd, "") }

// readlinkAt reads the target of the symlink name in dirfd.
func readlinkAt(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
