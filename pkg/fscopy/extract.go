package fscopy

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ExtractOptions tune Extract.
type ExtractOptions struct {
	// KeepOwner gives entries the UID and GID the archive records; else
	// they belong to whoever extracts (pod: root, or the rootless user).
	KeepOwner bool
	// MapOwner, when set, turns the owner an entry would get (the
	// archive's with KeepOwner, else 0:0) into the IDs it is given: those
	// of a destination in a user namespace of its own.
	MapOwner func(uid, gid int) (int, int)
	// NoDirNonDir refuses, as podman's and docker's cp do, a directory
	// entry where a file (not a symlink) is. A non-directory entry where
	// a directory is is refused unless ReplaceDirs; any other
	// non-directory in an entry's way is replaced.
	NoDirNonDir bool
	// ReplaceDirs lets a non-directory entry replace an existing
	// directory and its tree (podman's cp --overwrite).
	ReplaceDirs bool
}

func (o ExtractOptions) owner(hdr *tar.Header) (uid, gid int, ok bool) {
	if !o.KeepOwner && o.MapOwner == nil {
		return 0, 0, false
	}
	if o.KeepOwner {
		uid, gid = hdr.Uid, hdr.Gid
	}
	if o.MapOwner != nil {
		uid, gid = o.MapOwner(uid, gid)
	}
	return uid, gid, true
}

// extraction is the state of one Extract: what the archive made so far.
type extraction struct {
	r    *Root
	base string
	opts ExtractOptions
	// made records, by path in the root, the type of each entry this
	// archive created: the only things its hard links may name.
	made map[string]byte
	dirs []dirTime
}

type dirTime struct {
	path string
	t    time.Time
}

// Extract creates the entries of the tar stream rd under dir (a path
// inside the root). Each entry's parent directory is resolved inside the
// root again and the entry made in it through its descriptor, so neither
// a symlink already in the root, nor one the archive creates, nor one
// swapped in while Extract runs can send an entry (or a chmod, chown or
// time change) outside the root. An entry whose name climbs above dir
// ("../x") is refused, and so is a hard link to anything but an earlier
// entry of the same archive. An existing non-directory in an entry's way
// is replaced.
func (r *Root) Extract(rd io.Reader, dir string, opts ExtractOptions) error {
	x := &extraction{r: r, base: clean(dir), opts: opts, made: map[string]byte{}}
	tr := tar.NewReader(rd)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		rel, err := x.inside(hdr.Name)
		if err != nil {
			return fmt.Errorf("archive entry %q would land outside %s", hdr.Name, x.base)
		}
		if rel == "/" {
			continue // the root itself stays as it is
		}
		if err := x.entry(tr, hdr, rel); err != nil {
			return fmt.Errorf("extract %s: %w", hdr.Name, err)
		}
	}
	// Directory times last: creating their entries changed them.
	for i := len(x.dirs) - 1; i >= 0; i-- {
		d := x.dirs[i]
		fd, err := r.openat2(d.path, unix.O_RDONLY|unix.O_DIRECTORY, 0, true)
		if err != nil {
			continue
		}
		_ = futimes(fd, d.t)
		unix.Close(fd)
	}
	return nil
}

// inside returns where name lands under the base, or an error when that
// is not under it.
func (x *extraction) inside(name string) (string, error) {
	rel := path.Join(x.base, name)
	if rel != x.base && !strings.HasPrefix(rel, strings.TrimSuffix(x.base, "/")+"/") {
		return "", errors.New("outside")
	}
	return rel, nil
}

// entry creates one entry at rel, in the descriptor of its parent.
func (x *extraction) entry(tr *tar.Reader, hdr *tar.Header, rel string) error {
	parent, err := x.r.mkdirFollow(path.Dir(rel))
	if err != nil {
		return err
	}
	defer parent.Close()
	pfd, name := int(parent.Fd()), path.Base(rel)

	var st unix.Stat_t
	err = unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	isDir := err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
	if err == nil && !(hdr.Typeflag == tar.TypeDir && isDir) {
		// Replace what is in the way; a directory only by a directory
		// unless ReplaceDirs.
		switch {
		case isDir && x.opts.ReplaceDirs:
			if err := removeTree(pfd, name); err != nil {
				return &fs.PathError{Op: "remove", Path: rel, Err: err}
			}
			isDir = false
		case isDir:
			return fmt.Errorf("cannot overwrite directory %s with a non-directory (cp --overwrite does)", name)
		case hdr.Typeflag == tar.TypeDir && x.opts.NoDirNonDir && st.Mode&unix.S_IFMT != unix.S_IFLNK:
			// (A symlink in a directory's way is replaced, below.)
			return fmt.Errorf("cannot overwrite non-directory %s with a directory (cp --overwrite does)", name)
		default:
			if err := unix.Unlinkat(pfd, name, 0); err != nil && err != unix.ENOENT {
				return &fs.PathError{Op: "unlink", Path: rel, Err: err}
			}
		}
	}
	uid, gid, chown := x.opts.owner(hdr)
	mode := unixMode(hdr)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if !isDir {
			if err := unix.Mkdirat(pfd, name, 0o700); err != nil && err != unix.EEXIST {
				return &fs.PathError{Op: "mkdir", Path: rel, Err: err}
			}
		}
		fd, err := openAt(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if err := setFd(fd, chown, uid, gid, mode); err != nil {
			return err
		}
		x.dirs = append(x.dirs, dirTime{rel, hdr.ModTime})
	case tar.TypeReg, tar.TypeRegA:
		fd, err := openAt(pfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), rel)
		defer f.Close()
		if _, err := io.Copy(f, tr); err != nil {
			return err
		}
		if err := setFd(fd, chown, uid, gid, mode); err != nil {
			return err
		}
		_ = futimes(fd, hdr.ModTime)
	case tar.TypeSymlink:
		if err := unix.Symlinkat(hdr.Linkname, pfd, name); err != nil {
			return &fs.PathError{Op: "symlink", Path: rel, Err: err}
		}
		if chown {
			if err := unix.Fchownat(pfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return &fs.PathError{Op: "lchown", Path: rel, Err: err}
			}
		}
	case tar.TypeLink:
		kind, err := x.link(hdr, pfd, name)
		if err != nil {
			return err
		}
		x.made[rel] = kind
		// No metadata of its own: the inode got it from its own entry,
		// and a link to a symlink must never have a chmod follow it.
		return nil
	case tar.TypeFifo, tar.TypeChar, tar.TypeBlock:
		typ := uint32(unix.S_IFIFO)
		switch hdr.Typeflag {
		case tar.TypeChar:
			typ = unix.S_IFCHR
		case tar.TypeBlock:
			typ = unix.S_IFBLK
		}
		dev := int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
		if err := unix.Mknodat(pfd, name, typ|mode&0o777, dev); err != nil {
			return &fs.PathError{Op: "mknod", Path: rel, Err: err}
		}
		if err := setAt(pfd, name, chown, uid, gid, mode, hdr.ModTime); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
	default:
		return fmt.Errorf("unsupported entry type %q", hdr.Typeflag)
	}
	x.made[rel] = hdr.Typeflag
	return nil
}

// link makes name (in pfd) a hard link to the earlier entry the header
// names, and returns that entry's type. linkat gets no AT_SYMLINK_FOLLOW:
// a link to a symlink entry is a second name for the symlink itself.
func (x *extraction) link(hdr *tar.Header, pfd int, name string) (byte, error) {
	target, err := x.inside(hdr.Linkname)
	if err != nil {
		return 0, fmt.Errorf("hard link to %q would point outside %s", hdr.Linkname, x.base)
	}
	kind, ok := x.made[target]
	if !ok {
		return 0, fmt.Errorf("hard link to %q: not an earlier entry of this archive", hdr.Linkname)
	}
	if kind == tar.TypeDir {
		return 0, fmt.Errorf("hard link to directory %q", hdr.Linkname)
	}
	src, err := x.r.openDir(path.Dir(target))
	if err != nil {
		return 0, err
	}
	defer src.Close()
	if err := unix.Linkat(int(src.Fd()), path.Base(target), pfd, name, 0); err != nil {
		return 0, &fs.PathError{Op: "link", Path: target, Err: err}
	}
	return kind, nil
}

// openAt opens name in dirfd, never following a symlink there.
func openAt(dirfd int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &fs.PathError{Op: "openat", Path: name, Err: err}
		}
		return fd, nil
	}
}

// setFd gives the open entry its owner, then its mode (chown clears
// set-ID bits, so the mode comes after it), through its descriptor.
func setFd(fd int, chown bool, uid, gid int, mode uint32) error {
	if chown {
		if err := unix.Fchown(fd, uid, gid); err != nil {
			return fmt.Errorf("fchown: %w", err)
		}
	}
	if err := unix.Fchmod(fd, mode); err != nil {
		return fmt.Errorf("fchmod: %w", err)
	}
	return nil
}

// setAt sets owner, mode and times of name in dirfd for entries that
// cannot safely be opened (FIFOs, devices): with AT_SYMLINK_NOFOLLOW, so
// a symlink swapped in for the node is never followed. fchmodat2 (Linux
// 6.6) refuses a symlink; where it is missing the node keeps the mode
// mknodat gave it.
func setAt(dirfd int, name string, chown bool, uid, gid int, mode uint32, t time.Time) error {
	if chown {
		if err := unix.Fchownat(dirfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("lchown: %w", err)
		}
	}
	err := unix.Fchmodat(dirfd, name, mode, unix.AT_SYMLINK_NOFOLLOW)
	if err != nil && err != unix.EOPNOTSUPP && err != unix.ENOSYS {
		return fmt.Errorf("chmod: %w", err)
	}
	ts := []unix.Timespec{timespec(t), timespec(t)}
	_ = unix.UtimesNanoAt(dirfd, name, ts, unix.AT_SYMLINK_NOFOLLOW)
	return nil
}

// futimes sets the access and modification times of an open file
// (futimens(3): utimensat with the descriptor and no path).
func futimes(fd int, t time.Time) error {
	ts := [2]unix.Timespec{timespec(t), timespec(t)}
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func timespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		return unix.Timespec{Nsec: unix.UTIME_OMIT}
	}
	return unix.NsecToTimespec(t.UnixNano())
}

// unixMode is the permission and set-ID bits an entry records.
func unixMode(hdr *tar.Header) uint32 { return uint32(hdr.Mode) & 0o7777 }

// removeTree removes the directory name in dirfd and everything under it,
// through descriptors only: a symlink inside is removed, never followed.
func removeTree(dirfd int, name string) error {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(fd), name)
	defer d.Close()
	for {
		names, err := d.Readdirnames(256)
		for _, n := range names {
			err := unix.Unlinkat(fd, n, 0)
			if err == unix.EISDIR {
				err = removeTree(fd, n)
			}
			if err != nil && err != unix.ENOENT {
				return err
			}
		}
		if errors.Is(err, io.EOF) || len(names) == 0 {
			break
		}
		if err != nil {
			return err
		}
	}
	return unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
}
