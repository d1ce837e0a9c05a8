package engine

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// writeTreeTar writes the tree under dir (a container's mounted root
// filesystem) to w as a tar stream, as `export` gives it. The tree may
// belong to a running container that changes it meanwhile, renaming a
// directory and a symlink to the host's / into each other's place as fast
// as it can: so the tree is read only through descriptors, each directory
// and file opened relative to its parent's descriptor with O_NOFOLLOW, and
// each header made from fstat of what was opened. A swap the walk sees is
// a symlink (stored as a link) or an entry that is gone (skipped); it
// never leads the walk, nor a file's bytes, out of the tree. Sockets are
// skipped, hard links kept, security.capability and user.* extended
// attributes stored as PAX records, as containers/storage's archives do.
func writeTreeTar(w io.Writer, dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	t := &treeTar{tw: tar.NewWriter(w), links: map[[2]uint64]string{}}
	if err := t.dir(fd, ""); err != nil {
		return err
	}
	return t.tw.Close()
}

type treeTar struct {
	tw    *tar.Writer
	links map[[2]uint64]string // dev, inode -> first name
}

// gone reports whether err says an entry changed under the walk (removed,
// or swapped for something of another type): it is skipped.
func gone(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ENXIO)
}

// dir writes the entries of the directory fd (named name in the tree, ""
// for the top), closing fd.
func (t *treeTar) dir(fd int, name string) error {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("read directory /%s: %w", name, err)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := t.entry(fd, n, path.Join(name, n)); err != nil {
			return err
		}
	}
	return nil
}

// entry writes the entry n of the directory dfd, named rel in the tree.
func (t *treeTar) entry(dfd int, n, rel string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if gone(err) {
			return nil
		}
		return fmt.Errorf("stat /%s: %w", rel, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFSOCK:
		return nil
	case unix.S_IFLNK:
		buf := make([]byte, unix.PathMax)
		k, err := unix.Readlinkat(dfd, n, buf)
		if err != nil {
			if gone(err) || errors.Is(err, unix.EINVAL) { // EINVAL: no longer a link
				return nil
			}
			return fmt.Errorf("read link /%s: %w", rel, err)
		}
		hdr := header(&st, rel, tar.TypeSymlink)
		hdr.Linkname = string(buf[:k])
		return t.tw.WriteHeader(hdr)
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
		typ := byte(tar.TypeFifo)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFCHR:
			typ = tar.TypeChar
		case unix.S_IFBLK:
			typ = tar.TypeBlock
		}
		if t.link(&st, rel) {
			return nil
		}
		hdr := header(&st, rel, typ)
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
		return t.tw.WriteHeader(hdr)
	}
	// A directory or a regular file: first an O_PATH handle, never
	// followed, which opens nothing (a device node or fifo swapped in
	// meanwhile must never have its driver's open run by pod); then, once
	// fstat says what the handle is, the same inode opened for reading.
	pfd, err := unix.Openat(dfd, n, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if gone(err) {
			return nil
		}
		return fmt.Errorf("open /%s: %w", rel, err)
	}
	if err := unix.Fstat(pfd, &st); err != nil {
		unix.Close(pfd)
		return fmt.Errorf("stat /%s: %w", rel, err)
	}
	fd := -1
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		fd, err = unix.Openat(pfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		unix.Close(pfd)
	case unix.S_IFREG:
		handle := os.NewFile(uintptr(pfd), rel) // owns pfd from here
		var f *os.File
		if f, err = securejoin.Reopen(handle, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY); err == nil {
			fd, err = unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
			f.Close()
		}
		handle.Close()
	default:
		unix.Close(pfd)
		return nil // swapped for another kind of entry meanwhile
	}
	if err != nil {
		if gone(err) {
			return nil
		}
		return fmt.Errorf("open /%s: %w", rel, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		hdr := header(&st, rel+"/", tar.TypeDir)
		xattrs(fd, hdr)
		if err := t.tw.WriteHeader(hdr); err != nil {
			unix.Close(fd)
			return err
		}
		return t.dir(fd, rel)
	case unix.S_IFREG:
		f := os.NewFile(uintptr(fd), rel)
		defer f.Close()
		if t.link(&st, rel) {
			return nil
		}
		hdr := header(&st, rel, tar.TypeReg)
		hdr.Size = st.Size
		xattrs(fd, hdr)
		if err := t.tw.WriteHeader(hdr); err != nil {
			return err
		}
		// A file that shrinks while read is padded: the header already
		// promised its size.
		k, err := io.CopyN(t.tw, f, st.Size)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read /%s: %w", rel, err)
		}
		if k < st.Size {
			_, err = io.CopyN(t.tw, zeros{}, st.Size-k)
		}
		return err
	}
	unix.Close(fd)
	return nil // swapped for another kind of entry meanwhile
}

// link writes a hard link entry when st's inode was written already (as
// rel's first name otherwise) and reports whether it did.
func (t *treeTar) link(st *unix.Stat_t, rel string) bool {
	if st.Nlink < 2 {
		return false
	}
	key := [2]uint64{uint64(st.Dev), st.Ino}
	if first, ok := t.links[key]; ok {
		hdr := header(st, rel, tar.TypeLink)
		hdr.Linkname = first
		return t.tw.WriteHeader(hdr) == nil
	}
	t.links[key] = rel
	return false
}

func header(st *unix.Stat_t, name string, typ byte) *tar.Header {
	return &tar.Header{
		Typeflag: typ,
		Name:     name,
		Mode:     int64(st.Mode & 0o7777),
		Uid:      int(st.Uid),
		Gid:      int(st.Gid),
		ModTime:  time.Unix(st.Mtim.Unix()).Truncate(time.Second),
		Format:   tar.FormatPAX,
	}
}

// xattrs records the extended attributes of fd that images carry
// (security.capability, user.*) in hdr.
func xattrs(fd int, hdr *tar.Header) {
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

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
