package fscopy

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// opener opens one entry with the given open flags; it never follows a
// symlink the entry has become unless the caller asked to follow it.
type opener func(flags int) (int, error)

// TarOptions tune WriteTarWith for what a whole-tree export needs and a
// copy of one path does not.
type TarOptions struct {
	// Follow follows the last component of p (inside the root).
	Follow bool
	// NoTop leaves out the entry of p itself: the archive holds only what
	// is under it (export: a root filesystem's contents, with no "./").
	NoTop bool
	// HardLinks stores a second name of an inode met earlier as a hard
	// link (TypeLink) to its first name, as image layers do.
	HardLinks bool
	// Xattrs stores the security.capability and user.* extended
	// attributes of files and directories as PAX records.
	Xattrs bool
	// Tolerant is for a tree its owner changes while it is read (export
	// of a running container): an entry that vanishes or becomes another
	// kind of entry meanwhile is skipped instead of failing the copy, and
	// a file that shrinks is padded with zeros to the size its header
	// promised.
	Tolerant bool
	// WholeSeconds truncates modification times to whole seconds.
	WholeSeconds bool
}

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
	return r.WriteTarWith(w, p, name, TarOptions{Follow: follow})
}

// WriteTarWith is WriteTar with the options o.
func (r *Root) WriteTarWith(w io.Writer, p, name string, o TarOptions) error {
	p = clean(p)
	var open opener
	if p == "/" || o.Follow {
		open = func(flags int) (int, error) { return r.openat2(p, flags, 0, false) }
	} else {
		parent, err := r.openDir(path.Dir(p))
		if err != nil {
			return err
		}
		defer parent.Close()
		open = childOpener(int(parent.Fd()), path.Base(p))
	}
	t := &tarWalk{tw: tar.NewWriter(w), o: o}
	if o.HardLinks {
		t.links = map[[2]uint64]string{}
	}
	if err := t.node(open, name, p, true); err != nil {
		return err
	}
	return t.tw.Close()
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

// tarWalk is the state of one WriteTarWith.
type tarWalk struct {
	tw    *tar.Writer
	o     TarOptions
	links map[[2]uint64]string // dev, inode -> first name (HardLinks)
}

// vanished reports whether err says an entry changed under a Tolerant
// walk (removed, or swapped for something of another type): it is skipped.
func (t *tarWalk) vanished(err error) bool {
	return t.o.Tolerant && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ELOOP) ||
		errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ENXIO) || errors.Is(err, errChangedKind))
}

// node writes the entry open opens, named name in the archive; shown is
// its path in the root, for messages.
func (t *tarWalk) node(open opener, name, shown string, top bool) error {
	// O_PATH first: it opens anything (a symlink itself, with O_NOFOLLOW)
	// without the side effects of opening a FIFO or a device.
	pfd, err := open(unix.O_PATH)
	if err != nil {
		if !top && (errors.Is(err, fs.ErrNotExist) || t.vanished(err)) {
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
		err = t.dir(open, handle, &st, name, shown, top)
	case unix.S_IFREG:
		err = t.file(handle, &st, name, shown)
	default:
		// Symlinks are stored once per name, as export always did.
		if st.Mode&unix.S_IFMT != unix.S_IFLNK && t.link(&st, name) {
			return nil
		}
		return t.tw.WriteHeader(t.header(&st, name, link))
	}
	if err != nil && !top && t.vanished(err) {
		return nil
	}
	return err
}

// link writes a hard link entry when HardLinks is on and st's inode was
// written already (else records name as its first name) and reports
// whether it did.
func (t *tarWalk) link(st *unix.Stat_t, name string) bool {
	if t.links == nil || st.Nlink < 2 {
		return false
	}
	key := [2]uint64{uint64(st.Dev), st.Ino}
	if first, ok := t.links[key]; ok {
		hdr := t.header(st, name, "")
		hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
		hdr.Devmajor, hdr.Devminor = 0, 0
		return t.tw.WriteHeader(hdr) == nil
	}
	t.links[key] = name
	return false
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

// dir writes the directory whose O_PATH handle was fstat'ed as first and
// what is under it. A Tolerant walk lists the handle's own inode (opened
// as "." through it); else the name is opened again and must still be
// that inode.
func (t *tarWalk) dir(open opener, handle *os.File, first *unix.Stat_t, name, shown string, top bool) error {
	var dir *os.File
	st := first
	if t.o.Tolerant {
		fd, err := unix.Openat(int(handle.Fd()), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", shown, err)
		}
		dir = os.NewFile(uintptr(fd), shown)
	} else {
		var err error
		if dir, st, err = reopen(open, unix.O_RDONLY|unix.O_DIRECTORY, first, shown); err != nil {
			return err
		}
	}
	defer dir.Close()
	if !(top && t.o.NoTop) {
		hdr := t.header(st, name, "")
		t.xattrs(int(dir.Fd()), hdr)
		if err := t.tw.WriteHeader(hdr); err != nil {
			return err
		}
	}
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("read directory %s: %w", shown, err)
	}
	sort.Strings(names)
	dirfd := int(dir.Fd())
	for _, n := range names {
		if err := t.node(childOpener(dirfd, n), path.Join(name, n), path.Join(shown, n), false); err != nil {
			return err
		}
	}
	return nil
}

// file copies the regular file whose O_PATH handle was fstat'ed as
// first. It reads from that very inode, reopened through the handle
// (securejoin.Reopen, by a hardened /proc/thread-self/fd): opening the
// name again could open whatever was swapped in meanwhile — a FIFO, or a
// device node whose open alone has effects on the host.
func (t *tarWalk) file(handle *os.File, first *unix.Stat_t, name, shown string) error {
	f, err := securejoin.Reopen(handle, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY)
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
	if t.link(&st, name) {
		return nil
	}
	hdr := t.header(&st, name, "")
	t.xattrs(int(f.Fd()), hdr)
	if err := t.tw.WriteHeader(hdr); err != nil {
		return err
	}
	k, err := io.CopyN(t.tw, f, hdr.Size)
	if t.o.Tolerant && k < hdr.Size && (err == nil || errors.Is(err, io.EOF)) {
		// The file shrank while read: the header already promised its size.
		_, err = io.CopyN(t.tw, zeros{}, hdr.Size-k)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	return nil
}

// xattrs records, with Xattrs, the extended attributes of the open fd
// that images carry (security.capability, user.*) in hdr.
func (t *tarWalk) xattrs(fd int, hdr *tar.Header) {
	if !t.o.Xattrs {
		return
	}
	buf := make([]byte, 64*1024)
	k, err := unix.Flistxattr(fd, buf)
	if err != nil || k <= 0 {
		return
	}
	for _, name := range strings.Split(string(bytes.TrimRight(buf[:k], "\x00")), "\x00") {
		if name != "security.capability" && !strings.HasPrefix(name, "user.") {
			continue
		}
		val := make([]byte, 64*1024)
		vk, err := unix.Fgetxattr(fd, name, val)
		if err != nil {
			continue
		}
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords["SCHILY.xattr."+name] = string(val[:vk])
	}
}

// header is header with WholeSeconds applied.
func (t *tarWalk) header(st *unix.Stat_t, name, link string) *tar.Header {
	h := header(st, name, link)
	if t.o.WholeSeconds {
		h.ModTime = h.ModTime.Truncate(time.Second)
	}
	return h
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
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
