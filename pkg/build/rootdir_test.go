package build

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/fscopy"
)

// hostileRoot makes a root filesystem whose /app/conf and /app/up lead,
// by an absolute and a climbing symlink, to a directory outside it, and
// that directory, which nothing may touch.
func hostileRoot(t *testing.T) (root, outside string) {
	t.Helper()
	dir := t.TempDir()
	root, outside = filepath.Join(dir, "root"), filepath.Join(dir, "outside")
	for _, d := range []string{root + "/app", outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(outside+"/canary", []byte("host"), 0o600)
	os.Symlink(outside, root+"/app/conf")
	os.Symlink("../../../../../../.."+outside, root+"/app/up")
	os.Symlink(outside+"/canary", root+"/app/file")
	return root, outside
}

func untouched(t *testing.T, outside string) {
	t.Helper()
	ents, _ := os.ReadDir(outside)
	if len(ents) != 1 {
		t.Errorf("outside holds %d entries, want the canary only", len(ents))
	}
	fi, err := os.Stat(outside + "/canary")
	if b, _ := os.ReadFile(outside + "/canary"); err != nil || string(b) != "host" || fi.Mode() != 0o600 {
		t.Errorf("canary changed: %q %v", b, fi.Mode())
	}
	if fi, _ := os.Stat(outside); fi.Mode().Perm() != 0o700 {
		t.Errorf("outside's mode changed: %v", fi.Mode())
	}
}

func TestCopyIntoStaysInRoot(t *testing.T) {
	root, outside := hostileRoot(t)
	ctx := t.TempDir()
	for _, f := range []string{"conf/canary", "conf/new", "up/new", "file"} {
		os.MkdirAll(filepath.Dir(filepath.Join(ctx, f)), 0o755)
		os.WriteFile(filepath.Join(ctx, f), []byte("copied"), 0o644)
	}
	// Where the links lead inside the root.
	os.MkdirAll(filepath.Join(root, outside), 0o755)
	src := source{root: ctx, what: "build context"}
	ms, err := src.resolve([]string{"."})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.copyInto(root, ms, "/app/", copyOpts{uid: os.Getuid(), gid: os.Getgid()}); err != nil {
		t.Fatal(err)
	}
	untouched(t, outside)
	for _, f := range []string{"canary", "new"} {
		if b, _ := os.ReadFile(filepath.Join(root, outside, f)); string(b) != "copied" {
			t.Errorf("%s inside the root: %q", f, b)
		}
	}
	// The file that replaced the link /app/file is a file of the root's.
	if fi, err := os.Lstat(root + "/app/file"); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("/app/file: %v %v", fi, err)
	}
}

func TestGlobInRoot(t *testing.T) {
	root, outside := hostileRoot(t)
	os.WriteFile(root+"/app/a.txt", nil, 0o644)
	got, err := globInRoot(root, "app/*")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "app/a.txt app/conf app/file app/up" {
		t.Errorf("app/*: %v", got)
	}
	for _, p := range []string{"app/conf/*", "app/up/*", "app/*/canary"} {
		if got, _ := globInRoot(root, p); len(got) != 0 {
			t.Errorf("%s listed the outside directory: %v", p, got)
		}
	}
	untouched(t, outside)
}

func TestUntarStaysInRoot(t *testing.T) {
	type ent struct {
		name, link, body string
		typ              byte
	}
	tests := []struct {
		name    string
		entries []ent
		wantErr string
	}{
		{"through an image link", []ent{{name: "conf/new", body: "x", typ: tar.TypeReg}}, "not a directory"},
		{"through a climbing image link", []ent{{name: "up/new", body: "x", typ: tar.TypeReg}}, "not a directory"},
		{"through its own link", []ent{
			{name: "esc", link: "/", typ: tar.TypeSymlink},
			{name: "esc/new", body: "x", typ: tar.TypeReg},
		}, ""},
		{"replacing an image link to a file", []ent{{name: "file", body: "x", typ: tar.TypeReg}}, ""},
		{"hard link to a link, then a mode", []ent{
			{name: "l", link: "/app/file", typ: tar.TypeSymlink},
			{name: "h", link: "l", typ: tar.TypeLink},
		}, ""},
		{"dot-dot", []ent{{name: "../x", body: "x", typ: tar.TypeReg}}, "leaves"},
		{"hard link climbing", []ent{{name: "h", link: "../../etc/passwd", typ: tar.TypeLink}}, "leaves"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, outside := hostileRoot(t)
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			for _, e := range tt.entries {
				tw.WriteHeader(&tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o777, Size: int64(len(e.body))})
				tw.Write([]byte(e.body))
			}
			tw.Close()
			rd, err := fscopy.OpenRoot(root)
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			err = untar(&buf, rd, "/app", untarOpts{})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			untouched(t, outside)
		})
	}
}
