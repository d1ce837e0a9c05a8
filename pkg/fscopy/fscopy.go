// Package fscopy moves files into and out of a root filesystem as tar
// streams without ever leaving it: every path is resolved inside the root,
// symlinks included (an absolute link means the root's own /), as if the
// root were /.
package fscopy

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// Resolve returns the host path of p (absolute, or relative to the root's
// /) inside root. Symlinks in the directories on the way are followed
// inside root; the last component is followed only with follow, so that a
// link can be copied as a link. ".." never climbs above root.
func Resolve(root, p string, follow bool) (string, error) {
	clean := path.Clean("/" + p)
	if follow || clean == "/" {
		return securejoin.SecureJoin(root, clean)
	}
	dir, err := securejoin.SecureJoin(root, path.Dir(clean))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, path.Base(clean)), nil
}

// WriteTar writes src (a host path, never followed if it is a symlink)
// and, for a directory, everything under it, as a tar stream whose entries
// are named under name ("." puts a directory's contents at the top).
// Symlinks are stored as links; sockets are skipped.
func WriteTar(w io.Writer, src, name string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSocket != 0 {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		var link string
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		// Owners travel as numbers: names mean nothing on the other side.
		hdr.Uname, hdr.Gname = "", ""
		hdr.Format = tar.FormatPAX
		hdr.Name = path.Join(name, filepath.ToSlash(rel))
		if fi.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.CopyN(tw, f, hdr.Size); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// ExtractOptions tune Extract.
type ExtractOptions struct {
	// KeepOwner gives entries the UID and GID the archive records; else
	// they belong to whoever extracts (pod: root, or the rootless user).
	KeepOwner bool
	// MapOwner, when set, turns the owner an entry would get (the
	// archive's with KeepOwner, else 0:0) into the IDs it is given: those
	// of a destination in a user namespace of its own.
	MapOwner func(uid, gid int) (int, int)
}

// Extract creates the entries of the tar stream r under dir (a path inside
// root, as for Resolve). Each entry's directories are resolved inside root
// again, so neither a symlink already in root nor one the archive itself
// creates can send a later entry outside it; an entry whose name climbs
// above dir ("../x") is refused. An existing non-directory in an entry's
// way is replaced.
func Extract(r io.Reader, root, dir string, opts ExtractOptions) error {
	base := path.Clean("/" + dir)
	tr := tar.NewReader(r)
	type dirTime struct {
		path string
		t    time.Time
	}
	var dirs []dirTime
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		rel := path.Join(base, hdr.Name)
		if rel != base && !strings.HasPrefix(rel, strings.TrimSuffix(base, "/")+"/") {
			return fmt.Errorf("archive entry %q would land outside %s", hdr.Name, base)
		}
		if rel == "/" {
			continue // the root itself stays as it is
		}
		target, err := Resolve(root, rel, false)
		if err != nil {
			return fmt.Errorf("resolve %s: %w", rel, err)
		}
		if err := extractOne(tr, hdr, root, base, target); err != nil {
			return fmt.Errorf("extract %s: %w", hdr.Name, err)
		}
		if opts.KeepOwner || opts.MapOwner != nil {
			uid, gid := 0, 0
			if opts.KeepOwner {
				uid, gid = hdr.Uid, hdr.Gid
			}
			if opts.MapOwner != nil {
				uid, gid = opts.MapOwner(uid, gid)
			}
			if err := os.Lchown(target, uid, gid); err != nil {
				return fmt.Errorf("extract %s: %w", hdr.Name, err)
			}
		}
		if hdr.Typeflag != tar.TypeSymlink {
			// chown clears set-ID bits, so the mode comes after it.
			if err := os.Chmod(target, fileMode(hdr)); err != nil {
				return fmt.Errorf("extract %s: %w", hdr.Name, err)
			}
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			dirs = append(dirs, dirTime{target, hdr.ModTime})
		case tar.TypeSymlink:
		default:
			_ = os.Chtimes(target, hdr.ModTime, hdr.ModTime)
		}
	}
	// Directory times last: creating their entries changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = os.Chtimes(dirs[i].path, dirs[i].t, dirs[i].t)
	}
	return nil
}

func fileMode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode).Perm()
	if hdr.Mode&04000 != 0 {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&02000 != 0 {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&01000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// extractOne creates one entry at target, whose parent is already
// resolved inside root; base is where the archive's top lands.
func extractOne(tr *tar.Reader, hdr *tar.Header, root, base, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	fi, err := os.Lstat(target)
	exists := err == nil
	if exists && !(hdr.Typeflag == tar.TypeDir && fi.IsDir()) {
		// Replace what is in the way; a directory only by a directory.
		if fi.IsDir() {
			return fmt.Errorf("cannot overwrite directory %s with a non-directory", filepath.Base(target))
		}
		if err := os.Remove(target); err != nil {
			return err
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if exists && fi.IsDir() {
			return nil
		}
		return os.Mkdir(target, 0o700)
	case tar.TypeReg, tar.TypeRegA:
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tr); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case tar.TypeSymlink:
		return os.Symlink(hdr.Linkname, target)
	case tar.TypeLink:
		// A hard link names another entry of the same archive.
		name := path.Join(base, hdr.Linkname)
		if !strings.HasPrefix(name, strings.TrimSuffix(base, "/")+"/") {
			return fmt.Errorf("hard link to %q would point outside %s", hdr.Linkname, base)
		}
		src, err := Resolve(root, name, false)
		if err != nil {
			return err
		}
		return os.Link(src, target)
	case tar.TypeFifo:
		return unix.Mkfifo(target, 0o600)
	case tar.TypeChar, tar.TypeBlock:
		mode := uint32(unix.S_IFCHR)
		if hdr.Typeflag == tar.TypeBlock {
			mode = unix.S_IFBLK
		}
		return unix.Mknod(target, mode|0o600, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))))
	}
	return fmt.Errorf("unsupported entry type %q", hdr.Typeflag)
}
