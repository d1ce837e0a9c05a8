package state

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/lock"
)

// withOne makes a DB at path holding one container and closes it.
func withOne(t *testing.T, path string) *Container {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c := &Container{ID: NewID(), Name: "kept", Config: []byte(`{}`)}
	if err := db.Add(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOpenCorrupt checks that a damaged DB is detected, kept aside and
// replaced by a new one that the rebuild function fills before Open
// returns; and that an empty file or a missing one is reported as fresh.
func TestOpenCorrupt(t *testing.T) {
	ctx := context.Background()
	damage := map[string]func(t *testing.T, path string){
		"garbage header": func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt([]byte(strings.Repeat("garbage!", 16)), 0); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, spoil := range damage {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pod.db")
			c := withOne(t, path)
			spoil(t, path)
			var got *Fresh
			rebuild := WithRebuild(func(ctx context.Context, db *DB, f Fresh) error {
				got = &f
				return db.Add(ctx, &Container{ID: c.ID, Name: c.Name, Config: []byte(`{}`)})
			})
			db, err := Open(ctx, path, rebuild)
			if err != nil {
				t.Fatalf("Open of a corrupt DB: %v", err)
			}
			defer db.Close()
			if got == nil || got.Aside == "" || got.Corruption == nil {
				t.Fatalf("rebuild called with %+v, want the aside path and the corruption", got)
			}
			if !strings.HasPrefix(got.Aside, path+".corrupt-") {
				t.Errorf("aside %q, want %s.corrupt-TIMESTAMP", got.Aside, path)
			}
			if _, err := os.Stat(got.Aside); err != nil {
				t.Errorf("corrupt DB not kept: %v", err)
			}
			if _, err := db.Get(ctx, c.Name); err != nil {
				t.Errorf("rebuilt row: %v", err)
			}
		})
	}

	t.Run("empty file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pod.db")
		withOne(t, path)
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		var got *Fresh
		db, err := Open(ctx, path, WithRebuild(func(ctx context.Context, db *DB, f Fresh) error { got = &f; return nil }))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got == nil || !got.Empty {
			t.Fatalf("rebuild called with %+v, want Empty", got)
		}
	})

	t.Run("failed rebuild", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pod.db")
		boom := errors.New("boom")
		if _, err := Open(ctx, path, WithRebuild(func(context.Context, *DB, Fresh) error { return boom })); !errors.Is(err, boom) {
			t.Fatalf("Open = %v, want the rebuild's error", err)
		}
		calls := 0
		db, err := Open(ctx, path, WithRebuild(func(context.Context, *DB, Fresh) error { calls++; return nil }))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if calls != 1 {
			t.Fatalf("a failed rebuild left a DB that the next Open took as sound")
		}
	})

	t.Run("sound DB", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pod.db")
		withOne(t, path)
		db, err := Open(ctx, path, WithRebuild(func(context.Context, *DB, Fresh) error {
			t.Error("rebuild called for a sound DB")
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
}

// TestOpenLockWaitNotice checks that Open, kept waiting for the open lock,
// says so once, naming the lock file and its holder, and goes on when the
// lock is released.
func TestOpenLockWaitNotice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pod.db")
	held, err := lock.Acquire(context.Background(), path+".lock")
	if err != nil {
		t.Fatal(err)
	}
	type notice struct {
		path string
		pid  int
	}
	notices := make(chan notice, 4)
	opened := make(chan error, 1)
	go func() {
		db, err := Open(context.Background(), path, WithLockWaitNotice(50*time.Millisecond, func(p string, pid int) {
			notices <- notice{p, pid}
		}))
		if err == nil {
			db.Close()
		}
		opened <- err
	}()
	select {
	case n := <-notices:
		if n.path != path+".lock" || n.pid != os.Getpid() {
			t.Errorf("notice %+v, want %s.lock held by %d", n, path, os.Getpid())
		}
	case err := <-opened:
		t.Fatalf("Open returned (%v) while the lock was held", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no notice while waiting for the lock")
	}
	held.Release()
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
	if len(notices) != 0 {
		t.Errorf("more than one notice")
	}
}

// TestOpenFull fills the filesystem the DB is on and checks that reads
// still work, that a delete works, and that a write that cannot fit names
// the full filesystem. It mounts a small tmpfs, so it needs root.
func TestOpenFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=40m"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	ctx := context.Background()
	path := filepath.Join(dir, "state", "pod.db")
	c := withOne(t, path)
	f, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, zeros{}); !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("fill: %v", err)
	}
	f.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open on a full filesystem: %v", err)
	}
	defer db.Close()
	if _, err := db.Get(ctx, c.ID); err != nil {
		t.Fatalf("read on a full filesystem: %v", err)
	}
	if err := db.Remove(ctx, c.ID); err != nil {
		t.Fatalf("delete on a full filesystem: %v", err)
	}
	// The reserve is spent: fill what it freed, then a write must fail
	// naming the filesystem.
	f, _ = os.OpenFile(filepath.Join(dir, "fill"), os.O_WRONLY|os.O_APPEND, 0)
	io.Copy(f, zeros{})
	f.Close()
	big := &Container{ID: NewID(), Name: "big", Config: make([]byte, 4<<20)}
	err = db.Add(ctx, big)
	if err == nil || !strings.Contains(err.Error(), "mounted at "+dir) {
		t.Fatalf("write on a full filesystem: %v, want an error naming %s", err, dir)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestOpenWithoutCreate: with WithoutCreate a missing DB is ErrNoDB and
// nothing is created, not even the directory.
func TestOpenWithoutCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pod")
	if _, err := Open(context.Background(), filepath.Join(dir, "pod.db"), WithoutCreate()); !errors.Is(err, ErrNoDB) {
		t.Fatalf("Open = %v, want ErrNoDB", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created %s: %v", dir, err)
	}
}
