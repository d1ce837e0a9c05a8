package volume

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
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

func TestStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := NewStore(filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	if l, err := s.List(); err != nil || len(l) != 0 {
		t.Fatalf("List on a fresh store = %v, %v", l, err)
	}
	v, err := s.Create(ctx, CreateOptions{Name: "data", Labels: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Mountpoint != filepath.Join(dir, "graph", "volumes", "data", "_data") || !v.NeedsCopyUp || v.Driver != "local" {
		t.Fatalf("created %+v", v)
	}
	if st, err := os.Stat(v.Mountpoint); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("data dir: %v %v", st, err)
	}
	if _, err := s.Create(ctx, CreateOptions{Name: "data"}); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("second create: %v, want already exists", err)
	}
	if again, err := s.Create(ctx, CreateOptions{Name: "data", IgnoreExisting: true}); err != nil || again.Labels["a"] != "b" {
		t.Fatalf("create --ignore: %+v %v", again, err)
	}
	anon, err := s.Create(ctx, CreateOptions{Anonymous: true})
	if err != nil || len(anon.Name) != 64 || !anon.Anonymous {
		t.Fatalf("anonymous: %+v %v", anon, err)
	}
	if _, err := s.Create(ctx, CreateOptions{Name: "x", Driver: "nfs"}); !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Fatalf("driver nfs: %v", err)
	}
	calls := 0
	for i := 0; i < 2; i++ {
		if err := s.FirstUse(ctx, "data", func(string) error { calls++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("FirstUse filled %d times, want once", calls)
	}
	got, err := s.Get("data")
	if err != nil || got.NeedsCopyUp {
		t.Fatalf("after ClearCopyUp: %+v %v", got, err)
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].Name != "data" {
		t.Fatalf("List = %v, %v", list, err)
	}
	if err := os.WriteFile(filepath.Join(got.Mountpoint, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "data"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("data"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("Get after Remove: %v", err)
	}
	if err := s.Remove(ctx, "data"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("second Remove: %v", err)
	}
	entries, _ := os.ReadDir(s.Root())
	if len(entries) != 1 {
		t.Fatalf("volumes dir holds %v, want only the anonymous volume", entries)
	}
}

func TestCreateRace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := NewStore(filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Create(ctx, CreateOptions{Name: "same"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, errdefs.ErrAlreadyExists):
			t.Fatal(err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creates of one name succeeded, want 1", ok)
	}
}

func TestMountTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := NewStore(filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	v, err := s.Create(ctx, CreateOptions{Name: "t", Options: map[string]string{"type": "tmpfs", "o": "size=1m"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"c1", "c2", "c1"} {
		if _, err := s.Mount(ctx, "t", user); err != nil {
			t.Fatal(err)
		}
	}
	if m, _ := isMountPoint(v.Mountpoint); !m || s.MountCount("t") != 2 {
		t.Fatalf("mounted %v, count %d; want mounted by 2", m, s.MountCount("t"))
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(v.Mountpoint, &fs); err != nil || fs.Type != unix.TMPFS_MAGIC {
		t.Fatalf("statfs: %v type %x", err, fs.Type)
	}
	if err := s.Remove(ctx, "t"); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("Remove while mounted: %v, want conflict", err)
	}
	if err := s.Unmount(ctx, "t", "c1"); err != nil {
		t.Fatal(err)
	}
	if m, _ := isMountPoint(v.Mountpoint); !m {
		t.Fatal("unmounted while c2 still uses it")
	}
	if err := s.Unmount(ctx, "t", "c2"); err != nil {
		t.Fatal(err)
	}
	if m, _ := isMountPoint(v.Mountpoint); m {
		t.Fatal("still mounted after the last user")
	}
	if err := s.Remove(ctx, "t"); err != nil {
		t.Fatal(err)
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
