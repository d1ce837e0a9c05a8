package volume

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want MountOptions
		args []string // mountArgs("/d")
		err  string
	}{
		{name: "none", in: nil, want: MountOptions{UID: -1, GID: -1}},
		{name: "owner", in: map[string]string{"o": "uid=1000,gid=100"}, want: MountOptions{Data: "uid=1000,gid=100", UID: 1000, GID: 100}},
		{name: "tmpfs", in: map[string]string{"type": "tmpfs", "o": "size=2m"},
			want: MountOptions{Type: "tmpfs", Device: "tmpfs", Data: "size=2m", UID: -1, GID: -1},
			args: []string{"-t", "tmpfs", "-o", "size=2m", "tmpfs", "/d"}},
		{name: "bind", in: map[string]string{"type": "bind", "device": "/srv"},
			want: MountOptions{Type: "bind", Device: "/srv", UID: -1, GID: -1},
			args: []string{"-o", "bind", "/srv", "/d"}},
		{name: "docker bind", in: map[string]string{"type": "none", "o": "bind,ro", "device": "/srv"},
			want: MountOptions{Type: "none", Device: "/srv", Data: "bind,ro", UID: -1, GID: -1},
			args: []string{"-o", "bind,ro", "/srv", "/d"}},
		{name: "ext4", in: map[string]string{"type": "ext4", "device": "/dev/sdb1"},
			want: MountOptions{Type: "ext4", Device: "/dev/sdb1", UID: -1, GID: -1},
			args: []string{"-t", "ext4", "/dev/sdb1", "/d"}},
		{name: "unknown key", in: map[string]string{"size": "1"}, err: "invalid mount option size"},
		{name: "device without type", in: map[string]string{"device": "/x"}, err: "needs a type"},
		{name: "type without device", in: map[string]string{"type": "ext4"}, err: "needs a device"},
		{name: "o without type", in: map[string]string{"o": "size=1m"}, err: "only uid= and gid="},
		{name: "bad uid", in: map[string]string{"o": "uid=x"}, err: "non-negative"},
		{name: "relative bind", in: map[string]string{"type": "bind", "device": "srv"}, err: "absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOptions(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, errdefs.ErrInvalidArg) {
					t.Fatalf("err = %v, want invalid argument containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if tt.args != nil {
				if a := got.mountArgs("/d"); !reflect.DeepEqual(a, tt.args) {
					t.Fatalf("mount args %q, want %q", a, tt.args)
				}
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{"a": true, "data_1.x-y": true, "": false, "_a": false, ".tmp-1": false, "a/b": false, "a b": false} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
	if n := NewName(); len(n) != 64 || strings.Trim(n, "0123456789abcdef") != "" {
		t.Errorf("NewName() = %q, want 64 hex characters", n)
	}
}

func TestNew(t *testing.T) {
	v, err := New(CreateOptions{Name: "data", Labels: map[string]string{"a": "b"}, Options: map[string]string{"o": "uid=5"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "data" || v.Driver != DriverLocal || !v.NeedsCopyUp || v.UID != 5 || v.GID != -1 || v.CreatedAt.IsZero() {
		t.Errorf("New = %+v", v)
	}
	if anon, err := New(CreateOptions{Anonymous: true}); err != nil || len(anon.Name) != 64 || !anon.Anonymous {
		t.Errorf("anonymous: %+v %v", anon, err)
	}
	for _, o := range []CreateOptions{{Name: "x", Driver: "nfs"}, {Name: "_x"}, {Name: "x", Options: map[string]string{"size": "1"}}} {
		if _, err := New(o); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("New(%+v) = %v, want invalid argument", o, err)
		}
	}
}

// TestDirLifecycle: MakeDir leaves a whole volume directory with its
// record; RemoveDir removes it; ReadRecords reads what MakeDir wrote and
// what a pod before the DB wrote.
func TestDirLifecycle(t *testing.T) {
	dir := t.TempDir()
	s := NewStore(filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	v, _ := New(CreateOptions{Name: "data", Labels: map[string]string{"a": "b"}})
	if err := s.MakeDir(v); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(s.Path("data")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("data dir: %v %v", st, err)
	}
	// A directory without a row (a crash between the two) is replaced.
	if err := os.WriteFile(filepath.Join(s.Path("data"), "stale"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.MakeDir(v); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Path("data"), "stale")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("MakeDir kept the content of the directory it replaced: %v", err)
	}
	// An old pod's volume: its record says it was used.
	old := filepath.Join(s.Root(), "old")
	if err := os.MkdirAll(filepath.Join(old, "_data"), 0o755); err != nil {
		t.Fatal(err)
	}
	rec := `{"name":"old","driver":"local","labels":{"x":"y"},"createdAt":"2024-01-02T03:04:05Z","uid":-1,"gid":-1,"needsCopyUp":false}`
	if err := os.WriteFile(filepath.Join(old, "volume.json"), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.Root(), "norecord", "_data"), 0o755); err != nil {
		t.Fatal(err)
	}
	vols, skipped, err := s.ReadRecords()
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 2 || vols[0].Name != "data" || vols[0].Labels["a"] != "b" || !vols[0].NeedsCopyUp ||
		vols[1].Name != "old" || vols[1].NeedsCopyUp || vols[1].Labels["x"] != "y" {
		t.Errorf("ReadRecords = %+v, %+v", vols[0], vols[1])
	}
	if !reflect.DeepEqual(skipped, []string{"norecord"}) {
		t.Errorf("skipped %v, want norecord", skipped)
	}
	if err := s.RemoveDir("data"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveDir("data"); err != nil {
		t.Fatalf("second RemoveDir: %v", err)
	}
	if err := os.Mkdir(filepath.Join(s.Root(), ".tmp-123"), 0o700); err != nil {
		t.Fatal(err)
	}
	removed, err := s.Sweep(func(n string) bool { return n == "old" })
	if err != nil || !reflect.DeepEqual(removed, []string{"norecord"}) {
		t.Fatalf("Sweep = %v, %v", removed, err)
	}
	entries, _ := os.ReadDir(s.Root())
	if len(entries) != 1 || entries[0].Name() != "old" {
		t.Fatalf("volumes dir holds %v, want only old", entries)
	}
}

func TestMountTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := NewStore(filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	v, err := New(CreateOptions{Name: "t", Options: map[string]string{"type": "tmpfs", "o": "size=1m"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MakeDir(v); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"c1", "c2", "c1"} {
		if _, err := s.Mount(ctx, v, user); err != nil {
			t.Fatal(err)
		}
	}
	if m, _ := isMountPoint(s.Path("t")); !m || s.MountCount("t") != 2 {
		t.Fatalf("mounted %v, count %d; want mounted by 2", m, s.MountCount("t"))
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(s.Path("t"), &fs); err != nil || fs.Type != unix.TMPFS_MAGIC {
		t.Fatalf("statfs: %v type %x", err, fs.Type)
	}
	if err := s.Unmount(ctx, v, "c1"); err != nil {
		t.Fatal(err)
	}
	if m, _ := isMountPoint(s.Path("t")); !m {
		t.Fatal("unmounted while c2 still uses it")
	}
	if err := s.Unmount(ctx, v, "c2"); err != nil {
		t.Fatal(err)
	}
	if m, _ := isMountPoint(s.Path("t")); m {
		t.Fatal("still mounted after the last user")
	}
	if err := s.RemoveDir("t"); err != nil {
		t.Fatal(err)
	}
}

// TestRemoveDirUnmountsFirst: a bind volume left mounted (its record says
// no container uses it) is unmounted before its directory goes: the bound
// host directory keeps its files.
func TestRemoveDirUnmountsFirst(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	ctx := context.Background()
	dir := t.TempDir()
	host := filepath.Join(dir, "host")
	if err := os.MkdirAll(host, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewStore(filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	v, err := New(CreateOptions{Name: "b", Options: map[string]string{"type": "bind", "device": host}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MakeDir(v); err != nil {
		t.Fatal(err)
	}
	p, err := s.Mount(ctx, v, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p, "keep")); err != nil {
		t.Fatalf("bind not mounted: %v", err)
	}
	if err := s.RemoveDir("b"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(host, "keep")); err != nil {
		t.Fatalf("RemoveDir deleted through the bind mount: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Root(), "b")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("volume directory still there: %v", err)
	}
}

func TestCopyUp(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(src, os.ModeSticky|0o777))
	must(os.MkdirAll(filepath.Join(src, "sub", "deep"), 0o750))
	must(os.WriteFile(filepath.Join(src, "sub", "f"), []byte("hello"), 0o640))
	must(os.Link(filepath.Join(src, "sub", "f"), filepath.Join(src, "hard")))
	must(os.Symlink("/etc/passwd", filepath.Join(src, "link")))
	must(unix.Mkfifo(filepath.Join(src, "fifo"), 0o600))
	must(os.WriteFile(filepath.Join(src, "suid"), nil, 0o755))
	if os.Geteuid() == 0 {
		must(os.Lchown(filepath.Join(src, "sub", "f"), 1234, 5678))
		must(os.Lchown(filepath.Join(src, "sub"), 42, 43))
		must(os.Chmod(filepath.Join(src, "suid"), os.ModeSetuid|0o755))
	}
	must(CopyUp(src, dst))

	st := func(p string) *unix.Stat_t {
		t.Helper()
		var s unix.Stat_t
		must(unix.Lstat(p, &s))
		return &s
	}
	if m := st(dst).Mode & 0o7777; m != 0o1777 {
		t.Errorf("root mode %o, want 1777", m)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "sub", "f")); err != nil || string(b) != "hello" {
		t.Errorf("file content %q %v", b, err)
	}
	f, h := st(filepath.Join(dst, "sub", "f")), st(filepath.Join(dst, "hard"))
	if f.Ino != h.Ino || f.Mode&0o777 != 0o640 {
		t.Errorf("hard link not kept (%d vs %d) or mode %o", f.Ino, h.Ino, f.Mode&0o777)
	}
	if m := st(filepath.Join(dst, "sub", "deep")).Mode & 0o777; m != 0o750 {
		t.Errorf("dir mode %o", m)
	}
	if l, err := os.Readlink(filepath.Join(dst, "link")); err != nil || l != "/etc/passwd" {
		t.Errorf("symlink %q %v", l, err)
	}
	if st(filepath.Join(dst, "fifo")).Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Error("fifo not kept")
	}
	if st(filepath.Join(src, "sub")).Mtim != st(filepath.Join(dst, "sub")).Mtim {
		t.Error("directory mtime not kept")
	}
	if os.Geteuid() == 0 {
		if f.Uid != 1234 || f.Gid != 5678 {
			t.Errorf("owner %d:%d, want 1234:5678", f.Uid, f.Gid)
		}
		if d := st(filepath.Join(dst, "sub")); d.Uid != 42 || d.Gid != 43 {
			t.Errorf("dir owner %d:%d", d.Uid, d.Gid)
		}
		if m := st(filepath.Join(dst, "suid")).Mode & 0o7777; m != 0o4755 {
			t.Errorf("setuid mode %o", m)
		}
	}
	empty, err := IsEmpty(t.TempDir())
	must(err)
	full, err := IsEmpty(dst)
	must(err)
	if !empty || full {
		t.Errorf("IsEmpty: empty dir %v, full dir %v", empty, full)
	}
}
