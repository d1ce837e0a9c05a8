package fscopy

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

type entry struct {
	name, body, link string
	typ              byte
}

func tarOf(t *testing.T, entries []entry) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, Size: int64(len(e.body))}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	return &buf
}

// newRoot makes a root filesystem with /etc/passwd and a link /hostetc
// pointing at the absolute /etc, and a host directory next to it that
// must never be written.
func newRoot(t *testing.T) (root, outside string) {
	t.Helper()
	dir := t.TempDir()
	root, outside = filepath.Join(dir, "root"), filepath.Join(dir, "outside")
	for _, d := range []string{root + "/etc", root + "/data", outside} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(root+"/etc/passwd", []byte("root:x:0:0::/:/bin/sh\n"), 0o644)
	os.Symlink("/etc", root+"/hostetc")
	os.Symlink("../../../outside", root+"/up")
	return root, outside
}

func openRoot(t *testing.T, dir string) *Root {
	t.Helper()
	r, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestStat(t *testing.T) {
	root, _ := newRoot(t)
	r := openRoot(t, root)
	tests := []struct {
		path   string
		follow bool
		want   string // the path under root whose inode Stat must find
	}{
		{"/etc/passwd", false, "/etc/passwd"},
		{"../../etc/passwd", false, "/etc/passwd"},
		{"/hostetc/passwd", false, "/etc/passwd"},
		{"/hostetc", false, "/hostetc"},
		{"/hostetc", true, "/etc"},
		{"/", false, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := r.Stat(tt.path, tt.follow)
			if err != nil {
				t.Fatal(err)
			}
			var want syscall.Stat_t
			if err := syscall.Lstat(filepath.Join(root, tt.want), &want); err != nil {
				t.Fatal(err)
			}
			st := got.Sys().(*unix.Stat_t)
			if st.Ino != want.Ino {
				t.Fatalf("%s found inode %d, want %s's %d", tt.path, st.Ino, tt.want, want.Ino)
			}
		})
	}
	if _, err := r.Stat("/up/x", false); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("/up/x: %v, want not-exist (the host's outside/ is not the root's)", err)
	}
}

func TestExtractStaysInside(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		entries []entry
		check   string // file under root that must hold "x"
		wantErr string
	}{
		{"through a link to /etc", "/", []entry{{name: "hostetc/shadow", body: "x", typ: tar.TypeReg}}, "etc/shadow", ""},
		{"through a relative link climbing out", "/", []entry{{name: "up/evil", body: "x", typ: tar.TypeReg}}, "outside/evil", ""},
		{"through a link to the host path of outside", "/data", []entry{{name: "abs/evil", body: "x", typ: tar.TypeReg}}, "ABS/evil", ""},
		{"a link the archive makes", "/data", []entry{
			{name: "l", link: "/etc", typ: tar.TypeSymlink},
			{name: "l/made", body: "x", typ: tar.TypeReg},
		}, "etc/made", ""},
		{"dot-dot entry", "/data", []entry{{name: "../escape", body: "x", typ: tar.TypeReg}}, "", "would land outside"},
		{"hard link out", "/data", []entry{{name: "h", link: "../etc/passwd", typ: tar.TypeLink}}, "", "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, outside := newRoot(t)
			os.Symlink(outside, root+"/data/abs")
			check := strings.Replace(tt.check, "ABS", strings.TrimPrefix(outside, "/"), 1)
			err := openRoot(t, root).Extract(tarOf(t, tt.entries), tt.dir, ExtractOptions{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(filepath.Join(root, check)); err != nil || string(b) != "x" {
				t.Fatalf("%s: %q %v", check, b, err)
			}
			if ents, _ := os.ReadDir(outside); len(ents) != 0 {
				t.Fatalf("wrote outside the root: %v", ents)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(src+"/d/sub", 0o750)
	os.WriteFile(src+"/d/sub/f", []byte("hello"), 0o640)
	os.Symlink("sub/f", src+"/d/ln")
	var buf bytes.Buffer
	if err := openRoot(t, "/").WriteTar(&buf, src+"/d", false, "copy"); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if err := openRoot(t, dst).Extract(&buf, "/", ExtractOptions{KeepOwner: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst + "/copy/sub/f"); string(b) != "hello" {
		t.Fatalf("file: %q", b)
	}
	if fi, _ := os.Stat(dst + "/copy/sub/f"); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(dst + "/copy/sub"); fi.Mode().Perm() != 0o750 {
		t.Fatalf("dir mode %v", fi.Mode())
	}
	if l, _ := os.Readlink(dst + "/copy/ln"); l != "sub/f" {
		t.Fatalf("link %q", l)
	}
}

func TestExtractMapOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	root := t.TempDir()
	// A plain copy belongs to the destination's root, mapped.
	toHost := func(uid, gid int) (int, int) { return uid + 300000, gid + 300000 }
	r := tarOf(t, []entry{{name: "d", typ: tar.TypeDir}, {name: "d/f", body: "x", typ: tar.TypeReg}})
	if err := openRoot(t, root).Extract(r, "/", ExtractOptions{MapOwner: toHost}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"d", "d/f"} {
		var st syscall.Stat_t
		if err := syscall.Lstat(filepath.Join(root, p), &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != 300000 || st.Gid != 300000 {
			t.Errorf("%s owned by %d:%d, want 300000:300000", p, st.Uid, st.Gid)
		}
	}
}

// TestWriteTarExportOptions: what `pod export` asks for: no entry for the
// top, a second name of an inode as a hard link, user.* xattrs as PAX
// records, whole-second times.
func TestWriteTarExportOptions(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(root+"/d", 0o755)
	os.WriteFile(root+"/d/a", []byte("data"), 0o644)
	os.Link(root+"/d/a", root+"/b")
	xattr := unix.Setxattr(root+"/d/a", "user.pod", []byte("v"), 0) == nil
	var buf bytes.Buffer
	o := TarOptions{NoTop: true, HardLinks: true, Xattrs: true, Tolerant: true, WholeSeconds: true}
	if err := openRoot(t, root).WriteTarWith(&buf, "/", ".", o); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	var got []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		got = append(got, fmt.Sprintf("%s %c %s", h.Name, h.Typeflag, h.Linkname))
		if h.ModTime.Nanosecond() != 0 {
			t.Errorf("%s: mtime %v not in whole seconds", h.Name, h.ModTime)
		}
		if h.Name == "b" && xattr && h.PAXRecords["SCHILY.xattr.user.pod"] != "v" {
			t.Errorf("b: xattr not recorded: %v", h.PAXRecords)
		}
	}
	// "b" sorts first, so it is the inode's first name.
	want := []string{"b 0 ", "d/ 5 ", "d/a 1 b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("entries %q, want %q", got, want)
	}
}
