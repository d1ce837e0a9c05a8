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

	"github.com/containers/storage/pkg/archive"
	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/pod-engine/pod/pkg/errdefs"
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
			return nil, fmt.Errorf("%s: forbidden path outside the %s: %w", p, s.what, errdefs.ErrInvalidArg)
		}
		clean = strings.TrimPrefix(path.Clean("/"+clean), "/")
		if clean == "" {
			clean = "."
		}
		var found []match
		if strings.ContainsAny(clean, "*?[") {
			abs, err := filepath.Glob(filepath.Join(s.root, filepath.FromSlash(clean)))
			if err != nil {
				return nil, fmt.Errorf("%s: %w: %w", p, errdefs.ErrInvalidArg, err)
			}
			for _, a := range abs {
				rel, err := filepath.Rel(s.root, a)
				if err != nil || strings.HasPrefix(rel, "..") {
					continue
				}
				found = append(found, match{abs: a, rel: filepath.ToSlash(rel)})
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
			return nil, fmt.Errorf("%s: no such file or directory in the %s: %w", p, s.what, errdefs.ErrNotFound)
		}
	}
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
}

// copyInto copies the matches to dest (absolute, inside rootfs) as COPY
// does: a directory's contents, not the directory itself; into dest as a
// directory when it ends in "/", names several sources or already is one.
func (s source) copyInto(rootfs string, ms []match, dest string, o copyOpts) error {
	destIsDir := strings.HasSuffix(dest, "/") || len(ms) > 1
	target, err := securejoin.SecureJoin(rootfs, dest)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		destIsDir = true
	}
	for _, m := range ms {
		fi, err := os.Lstat(m.abs)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			if err := s.copyTree(m.abs, target, o); err != nil {
				return err
			}
		case o.extract && fi.Mode().IsRegular() && isTarFile(m.abs):
			if err := mkdirOwned(target, o); err != nil {
				return err
			}
			if err := untarInto(m.abs, target); err != nil {
				return fmt.Errorf("extract %s: %w", m.rel, err)
			}
		default:
			to := target
			if destIsDir {
				if err := mkdirOwned(target, o); err != nil {
					return err
				}
				to = filepath.Join(target, filepath.Base(m.abs))
			} else if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if err := copyEntry(m.abs, to, fi, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyTree copies the contents of dir into target, skipping ignored paths.
func (s source) copyTree(dir, target string, o copyOpts) error {
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
		to := filepath.Join(target, sub)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return copyEntry(p, to, fi, o)
	})
}

// copyEntry copies one file, directory or symlink, keeping its mode and
// modification time, owned by o.uid:o.gid.
func copyEntry(from, to string, fi fs.FileInfo, o copyOpts) error {
	mode := fi.Mode().Perm() | fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	if o.mode != nil {
		mode = *o.mode
	}
	switch {
	case fi.IsDir():
		if err := os.MkdirAll(to, 0o755); err != nil {
			return err
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(from)
		if err != nil {
			return err
		}
		os.Remove(to)
		if err := os.Symlink(t, to); err != nil {
			return err
		}
		return os.Lchown(to, o.uid, o.gid)
	case fi.Mode().IsRegular():
		if err := copyFile(from, to); err != nil {
			return err
		}
	default:
		return nil // devices, sockets and fifos are not copied
	}
	if err := os.Lchown(to, o.uid, o.gid); err != nil {
		return err
	}
	if err := os.Chmod(to, mode); err != nil {
		return err
	}
	return os.Chtimes(to, fi.ModTime(), fi.ModTime())
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	os.Remove(to)
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeContent writes a heredoc source (COPY <<EOF /file) to dest.
func writeContent(rootfs, dest, name, data string, o copyOpts) error {
	target, err := securejoin.SecureJoin(rootfs, dest)
	if err != nil {
		return err
	}
	if strings.HasSuffix(dest, "/") {
		if err := mkdirOwned(target, o); err != nil {
			return err
		}
		target = filepath.Join(target, name)
	} else if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		target = filepath.Join(target, name)
	} else if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if o.mode != nil {
		mode = *o.mode
	}
	if err := os.WriteFile(target, []byte(data), mode); err != nil {
		return err
	}
	if err := os.Chmod(target, mode); err != nil {
		return err
	}
	return os.Lchown(target, o.uid, o.gid)
}

// mkdirOwned creates dir (and parents); a directory it creates is owned
// as the copied files are.
func mkdirOwned(dir string, o copyOpts) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.Lchown(dir, o.uid, o.gid)
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

func untarInto(file, dir string) error {
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
	return archive.Untar(r, dir, &archive.TarOptions{NoLchown: false})
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
