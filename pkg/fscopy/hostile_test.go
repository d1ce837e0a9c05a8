package fscopy

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// canary is a host file outside the root that no extraction may touch.
type canary struct {
	path  string
	mode  os.FileMode
	mtime time.Time
}

func newCanary(t *testing.T, dir string) canary {
	t.Helper()
	p := filepath.Join(dir, "canary")
	if err := os.WriteFile(p, []byte("canary\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return canary{p, fi.Mode(), fi.ModTime()}
}

func (c canary) check(t *testing.T) {
	t.Helper()
	fi, err := os.Stat(c.path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(c.path)
	if fi.Mode() != c.mode || !fi.ModTime().Equal(c.mtime) || string(b) != "canary\n" {
		t.Fatalf("canary changed: mode %v (was %v), mtime %v (was %v), %q", fi.Mode(), c.mode, fi.ModTime(), c.mtime, b)
	}
}

func hostileTar(t *testing.T, hdrs ...*tar.Header) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	tw.Close()
	return &buf
}

// TestExtractHostileArchives: archives built to make Extract write, chmod
// or time a file outside the root.
func TestExtractHostileArchives(t *testing.T) {
	epoch := time.Unix(0, 0)
	tests := []struct {
		name    string
		hdrs    func(canary string) []*tar.Header
		wantErr string
	}{
		{"hard link to a symlink to the host", func(c string) []*tar.Header {
			return []*tar.Header{
				{Name: "s", Typeflag: tar.TypeSymlink, Linkname: c, Mode: 0o777},
				{Name: "h", Typeflag: tar.TypeLink, Linkname: "s", Mode: 0o4777, ModTime: epoch},
			}
		}, ""},
		{"hard link to a relative symlink climbing out", func(c string) []*tar.Header {
			return []*tar.Header{
				{Name: "s", Typeflag: tar.TypeSymlink, Linkname: "../../../../../../../../.." + c, Mode: 0o777},
				{Name: "h", Typeflag: tar.TypeLink, Linkname: "s", Mode: 0o4777, ModTime: epoch},
				{Name: "h2", Typeflag: tar.TypeLink, Linkname: "h", Mode: 0o4777, ModTime: epoch},
			}
		}, ""},
		{"hard link escaping the destination", func(c string) []*tar.Header {
			return []*tar.Header{{Name: "h", Typeflag: tar.TypeLink, Linkname: "../etc/passwd", Mode: 0o4777}}
		}, "would point outside"},
		{"hard link to a file the archive did not make", func(c string) []*tar.Header {
			return []*tar.Header{{Name: "h", Typeflag: tar.TypeLink, Linkname: "planted", Mode: 0o4777}}
		}, "not an earlier entry"},
		{"hard link to the host path itself", func(c string) []*tar.Header {
			return []*tar.Header{{Name: "h", Typeflag: tar.TypeLink, Linkname: c, Mode: 0o4777}}
		}, "not an earlier entry"},
		{"file through a planted symlink to the host", func(c string) []*tar.Header {
			return []*tar.Header{{Name: "planted/canary", Typeflag: tar.TypeReg, Size: 1, Mode: 0o4777, ModTime: epoch}}
		}, ""},
		{"file over a planted symlink to the host", func(c string) []*tar.Header {
			return []*tar.Header{{Name: "tocanary", Typeflag: tar.TypeReg, Size: 1, Mode: 0o4777, ModTime: epoch}}
		}, ""},
		{"directory over a planted symlink to the host", func(c string) []*tar.Header {
			return []*tar.Header{{Name: "todir", Typeflag: tar.TypeDir, Mode: 0o4777, ModTime: epoch}}
		}, ""},
		{"fifo over a planted symlink to the host", func(c string) []*tar.Header {
			return []*tar.Header{{Name: "tocanary", Typeflag: tar.TypeFifo, Mode: 0o4777, ModTime: epoch}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			host := filepath.Join(dir, "host")
			root := filepath.Join(dir, "root")
			os.MkdirAll(root+"/etc", 0o755)
			os.MkdirAll(root+"/data", 0o755)
			os.MkdirAll(host, 0o755)
			os.WriteFile(root+"/etc/passwd", []byte("root\n"), 0o644)
			c := newCanary(t, host)
			// What a container can plant: links to the host's paths.
			os.Symlink(host, root+"/data/planted")
			os.Symlink(c.path, root+"/data/tocanary")
			os.Symlink(host, root+"/data/todir")
			err := openRoot(t, root).Extract(hostileTar(t, tt.hdrs(c.path)...), "/data", ExtractOptions{})
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			c.check(t)
			if ents, _ := os.ReadDir(host); len(ents) != 1 {
				t.Fatalf("host dir holds %v", ents)
			}
			// A hard link to a symlink entry is the symlink itself, inside.
			if fi, err := os.Lstat(root + "/data/h"); err == nil && fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("h is %v, want a symlink", fi.Mode())
			}
		})
	}
}

// exchanger swaps a and b with renameat2(RENAME_EXCHANGE) until stopped,
// as a process in a container can while pod works on its tree.
func exchanger(t *testing.T, a, b string) (stop func()) {
	t.Helper()
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() {
			unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
		}
	}()
	return func() { done.Store(true); wg.Wait() }
}

// TestExtractRace swaps a directory of the root for a symlink to a host
// directory while archives are extracted into it, and a new file for a
// symlink to the canary: nothing outside the root may change.
func TestExtractRace(t *testing.T) {
	dir := t.TempDir()
	host, root := filepath.Join(dir, "host"), filepath.Join(dir, "root")
	os.MkdirAll(host, 0o755)
	os.MkdirAll(root+"/w/d", 0o755)
	c := newCanary(t, host)
	os.Symlink(host, root+"/w/l")
	os.Symlink(c.path, root+"/w/cl")
	stop := exchanger(t, root+"/w/d", root+"/w/l")
	r := openRoot(t, root)
	for i := 0; i < 300; i++ {
		tr := hostileTar(t, &tar.Header{Name: "d/f", Typeflag: tar.TypeReg, Size: 1, Mode: 0o4777, ModTime: time.Unix(0, 0)})
		r.Extract(tr, "/w", ExtractOptions{}) // may fail; must not escape
	}
	stop()
	// The new file itself swapped for a link to the canary.
	os.MkdirAll(root+"/w2", 0o755)
	os.WriteFile(root+"/w2/f", nil, 0o644)
	os.Symlink(c.path, root+"/w2/cl")
	stop = exchanger(t, root+"/w2/f", root+"/w2/cl")
	for i := 0; i < 300; i++ {
		tr := hostileTar(t, &tar.Header{Name: "f", Typeflag: tar.TypeReg, Size: 1, Mode: 0o4777, ModTime: time.Unix(0, 0)})
		r.Extract(tr, "/w2", ExtractOptions{})
	}
	stop()
	c.check(t)
	if ents, _ := os.ReadDir(host); len(ents) != 1 {
		t.Fatalf("host dir holds %v", ents)
	}
}

// TestWriteTarRace swaps a file and a directory of the root for symlinks
// to host ones while they are copied out: no host byte may be read.
func TestWriteTarRace(t *testing.T) {
	dir := t.TempDir()
	host, root := filepath.Join(dir, "host"), filepath.Join(dir, "root")
	os.MkdirAll(host, 0o755)
	os.WriteFile(host+"/secret", []byte("HOSTSECRET"), 0o600)
	os.MkdirAll(root+"/w/d", 0o755)
	os.WriteFile(root+"/w/d/secret", []byte("inside"), 0o644)
	os.WriteFile(root+"/w/f", []byte("inside"), 0o644)
	os.Symlink(host+"/secret", root+"/w/fl")
	os.Symlink(host, root+"/w/dl")
	r := openRoot(t, root)
	for _, pair := range [][2]string{{"/w/f", "/w/fl"}, {"/w/d", "/w/dl"}} {
		stop := exchanger(t, root+pair[0], root+pair[1])
		for i := 0; i < 300; i++ {
			var buf bytes.Buffer
			r.WriteTar(&buf, pair[0], false, "x")
			if bytes.Contains(buf.Bytes(), []byte("HOSTSECRET")) {
				stop()
				t.Fatalf("copy %d of %s read the host's secret", i, pair[0])
			}
		}
		stop()
	}
}

func TestWriteTarChangedIsAnError(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(root+"/d", 0o755)
	os.Mkdir(root+"/d2", 0o755)
	r := openRoot(t, root)
	var st unix.Stat_t
	unix.Stat(root+"/d", &st)
	// The directory swapped for another, then for a link to the host's
	// /etc: neither is listed.
	unix.Rename(root+"/d2", root+"/d") // os.Rename refuses an existing directory
	_, _, err := reopen(childOpener(int(r.f.Fd()), "d"), unix.O_RDONLY|unix.O_DIRECTORY, &st, "/d")
	if err == nil || !strings.Contains(err.Error(), "changed while being copied") {
		t.Fatalf("reopen of a directory swapped for another: %v", err)
	}
	os.Remove(root + "/d")
	os.Symlink("/etc", root+"/d")
	_, _, err = reopen(childOpener(int(r.f.Fd()), "d"), unix.O_RDONLY|unix.O_DIRECTORY, &st, "/d")
	if err == nil || !strings.Contains(err.Error(), "changed while being copied") {
		t.Fatalf("reopen of a directory swapped for a symlink: %v", err)
	}
}

// TestWriteTarSpecialFiles: a FIFO is described, never opened (a copy
// must not block on it); a symlink is stored as a link, never followed.
func TestWriteTarSpecialFiles(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(root+"/f", []byte("data"), 0o640)
	unix.Mkfifo(root+"/fifo", 0o600)
	os.Symlink("/etc/shadow", root+"/ln")
	var buf bytes.Buffer
	if err := openRoot(t, root).WriteTar(&buf, "/", false, "."); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	got := map[string]byte{}
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		got[h.Name] = h.Typeflag
	}
	want := map[string]byte{"./": tar.TypeDir, "f": tar.TypeReg, "fifo": tar.TypeFifo, "ln": tar.TypeSymlink}
	for n, typ := range want {
		if got[n] != typ {
			t.Errorf("%s: type %q, want %q (all: %v)", n, got[n], typ, got)
		}
	}
}
