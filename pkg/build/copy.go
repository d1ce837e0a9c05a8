package build

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/containers/storage/pkg/archive"
	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
)

// source is where COPY and ADD read from: the build context (with its
// ignore file) or another stage's or image's root filesystem.
type source struct {
	root   string
	ignore *Ignore
	what   string // "build context", "stage x", for messages
}

// match is one source path after wildcard expansion.
type match struct {
	abs string // on the host
	rel string // slash-separated, relative to the source root
}

// resolve expands the COPY/ADD sources against s. A source leaving the
// root ("../x") is refused, as are sources that match nothing.
func (s source) resolve(patterns []string) ([]match, error) {
	var out []match
	for _, p := range patterns {
		clean := path.Clean(filepath.ToSlash(p))
		if clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, errdefs.InvalidArgumentf("%s: forbidden path outside the %s", p, s.what)
		}
		clean = strings.TrimPrefix(path.Clean("/"+clean), "/")
		if clean == "" {
			clean = "."
		}
		var found []match
		if strings.ContainsAny(clean, "*?[") {
			rels, err := globInRoot(s.root, clean)
			if err != nil {
				return nil, errdefs.InvalidArgumentf("%s: %w", p, err)
			}
			for _, rel := range rels {
				dir, err := securejoin.SecureJoin(s.root, path.Dir(rel))
				if err != nil {
					return nil, err
				}
				found = append(found, match{abs: filepath.Join(dir, path.Base(rel)), rel: rel})
			}
		} else {
			abs, err := securejoin.SecureJoin(s.root, clean)
			if err != nil {
				return nil, err
			}
			if _, err := os.Lstat(abs); err == nil {
				found = append(found, match{abs: abs, rel: clean})
			}
		}
		n := 0
		for _, m := range found {
			if !s.ignore.Ignored(m.rel) {
				out = append(out, m)
				n++
			}
		}
		if n == 0 {
			return nil, errdefs.NotFoundf("%s: no such file or directory in the %s", p, s.what)
		}
	}
	return out, nil
}

// globInRoot expands pattern (slash-separated, relative to root) as
// filepath.Glob would, but lists each directory on the way as resolved
// inside root: a symlink in the context or in a stage (data -> /etc)
// cannot make "data/*" list, nor COPY read, the host's /etc. It returns
// the matching paths relative to root, their last component unresolved.
func globInRoot(root, pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, err
	}
	cands := []string{"."}
	for _, part := range strings.Split(pattern, "/") {
		var next []string
		for _, c := range cands {
			if !strings.ContainsAny(part, "*?[\\") {
				next = append(next, path.Join(c, part))
				continue
			}
			dir, err := securejoin.SecureJoin(root, c)
			if err != nil {
				return nil, err
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				continue // not a directory, or gone: no match under it
			}
			for _, e := range ents {
				if ok, _ := path.Match(part, e.Name()); ok {
					next = append(next, path.Join(c, e.Name()))
				}
			}
		}
		cands = next
	}
	var out []string
	for _, c := range cands {
		dir, err := securejoin.SecureJoin(root, path.Dir(c))
		if err != nil {
			return nil, err
		}
		if _, err := os.Lstat(filepath.Join(dir, path.Base(c))); err == nil {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out, nil
}

// digest hashes what the matches would copy: names, modes, link targets
// and file contents, skipping ignored paths. It is the part of a COPY's
// cache key that changes when a file does.
func (s source) digest(ms []match) (string, error) {
	h := sha256.New()
	for _, m := range ms {
		err := filepath.WalkDir(m.abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(s.root, p)
			rel = filepath.ToSlash(rel)
			if p != m.abs && s.ignore.Ignored(rel) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%o\x00", rel, fi.Mode())
			switch {
			case fi.Mode()&fs.ModeSymlink != 0:
				t, _ := os.Readlink(p)
				fmt.Fprintf(h, "%s\x00", t)
			case fi.Mode().IsRegular():
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				_, err = io.Copy(h, f)
				f.Close()
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("read %s: %w", m.rel, err)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// copyOpts say how files land in the root filesystem.
type copyOpts struct {
	uid, gid int
	mode     *fs.FileMode // --chmod
	extract  bool         // ADD: unpack local tar archives
	// links maps the inode of each regular file with several links that
	// this COPY copied to where it went, so that its other names become
	// hard links to it again, as Docker's and podman's COPY keep them.
	links map[fileID]string
}

// fileID is an inode on the host.
type fileID struct{ dev, ino uint64 }

// copyInto copies the matches to dest (absolute, inside rootfs) as COPY
// does: a directory's contents, not the directory itself; into dest as a
// directory when it ends in "/", names several sources or already is one.
// Everything is written through an fscopy.Root on rootfs, so that symlinks the
// image already holds (a /app/conf -> /etc, say) resolve inside rootfs
// and never reach the host.
func (s source) copyInto(rootfs string, ms []match, dest string, o copyOpts) error {
	root, err := fscopy.OpenRoot(rootfs)
	if err != nil {
		return err
	}
	defer root.Close()
	destIsDir := strings.HasSuffix(dest, "/") || len(ms) > 1
	if dest, err = resolveDest(rootfs, dest); err != nil {
		return err
	}
	destIsDir = destIsDir || root.IsDir(dest)
	o.links = map[fileID]string{}
	for _, m := range ms {
		fi, err := os.Lstat(m.abs)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			if err := s.copyTree(root, m.abs, dest, o); err != nil {
				return err
			}
		case o.extract && fi.Mode().IsRegular() && isTarFile(m.abs):
			if err := mkdirOwned(root, dest, o); err != nil {
				return err
			}
			if err := untarFile(m.abs, root, dest); err != nil {
				return fmt.Errorf("extract %s: %w", m.rel, err)
			}
		default:
			to := dest
			if destIsDir {
				if err := mkdirOwned(root, dest, o); err != nil {
					return err
				}
				to = path.Join(dest, filepath.Base(m.abs))
			}
			if err := copyEntry(root, m.abs, to, fi, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyTree copies the contents of dir into target (inside root),
// skipping ignored paths.
func (s source) copyTree(root *fscopy.Root, dir, target string, o copyOpts) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.root, p)
		if p != dir && s.ignore.Ignored(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		sub, _ := filepath.Rel(dir, p)
		to := path.Join(target, filepath.ToSlash(sub))
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return copyEntry(root, p, to, fi, o)
	})
}

// copyEntry copies one file, directory or symlink from the host path from
// to to (inside root), keeping its mode and modification time, owned by
// o.uid:o.gid. A symlink in from's place is copied as a link, never
// followed.
func copyEntry(root *fscopy.Root, from, to string, fi fs.FileInfo, o copyOpts) error {
	m := fscopy.Meta{Chown: true, UID: o.uid, GID: o.gid, Mode: unixMode(fi.Mode()), ModTime: fi.ModTime()}
	if o.mode != nil {
		m.Mode = unixMode(*o.mode)
	}
	switch {
	case fi.IsDir():
		return root.Mkdir(to, m)
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(from)
		if err != nil {
			return err
		}
		m.ModTime = time.Time{}
		return root.Symlink(to, t, m)
	case fi.Mode().IsRegular():
		st, multi := fi.Sys().(*syscall.Stat_t)
		multi = multi && st.Nlink > 1 && o.links != nil
		if multi {
			if first, ok := o.links[fileID{uint64(st.Dev), st.Ino}]; ok {
				return root.Link(to, first)
			}
		}
		in, err := os.OpenFile(from, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		defer in.Close()
		if err := root.WriteFile(to, in, m); err != nil {
			return err
		}
		if multi {
			o.links[fileID{uint64(st.Dev), st.Ino}] = to
		}
		return nil
	}
	return nil // devices, sockets and fifos are not copied
}

// writeContent writes a heredoc source (COPY <<EOF /file) to dest.
func writeContent(rootfs, dest, name, data string, o copyOpts) error {
	root, err := fscopy.OpenRoot(rootfs)
	if err != nil {
		return err
	}
	defer root.Close()
	target, err := resolveDest(rootfs, dest)
	if err != nil {
		return err
	}
	if strings.HasSuffix(dest, "/") {
		if err := mkdirOwned(root, dest, o); err != nil {
			return err
		}
		target = path.Join(target, name)
	} else if root.IsDir(target) {
		target = path.Join(target, name)
	}
	m := fscopy.Meta{Chown: true, UID: o.uid, GID: o.gid, Mode: 0o644}
	if o.mode != nil {
		m.Mode = unixMode(*o.mode)
	}
	return root.WriteFile(target, strings.NewReader(data), m)
}

// resolveDest follows the symlinks of dest inside rootfs, as Docker
// does for a COPY destination (COPY f /etc/link writes where link points,
// inside the image), and returns the path inside rootfs it names.
func resolveDest(rootfs, dest string) (string, error) {
	target, err := securejoin.SecureJoin(rootfs, dest)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(rootfs, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s: resolves outside the root filesystem", dest)
	}
	return "/" + filepath.ToSlash(rel), nil
}

// mkdirOwned creates dir (and parents) inside root; a directory it
// creates is owned as the copied files are.
func mkdirOwned(root *fscopy.Root, dir string, o copyOpts) error {
	return root.MkdirAll(dir, &fscopy.Owner{UID: o.uid, GID: o.gid})
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

// isTarFile reports whether a file is a tar archive, possibly compressed:
// what ADD unpacks.
func isTarFile(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(10)
	if archive.DetectCompression(head) != archive.Uncompressed {
		return true
	}
	_, err = tar.NewReader(br).Next()
	return err == nil
}

// untarFile unpacks the (possibly compressed) tar archive file into dir
// inside root, with the archive's owners, as ADD does.
func untarFile(file string, root *fscopy.Root, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := archive.DecompressStream(f)
	if err != nil {
		return err
	}
	defer r.Close()
	return untar(r, root, dir, untarOpts{keepOwner: true})
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
