package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// makeStaging lays out driverHome/staging as a killed pull, a pull
// killed before containers/storage made the lock file, and a live pull
// leave it, and returns the three directories. The live one's lock is an
// OFD lock, which conflicts with the POSIX lock the sweep probes with
// even within this process, as another process's lock would.
func makeStaging(t *testing.T, home string) (unlocked, lockless, live string) {
	t.Helper()
	base := filepath.Join(home, "staging")
	for _, d := range []string{"unlocked", "lockless", "live"} {
		if err := os.MkdirAll(filepath.Join(base, d, "dir"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"unlocked", "live"} {
		if err := os.WriteFile(filepath.Join(base, d, stagingLockName), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(filepath.Join(base, "live", stagingLockName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(base, "unlocked"), filepath.Join(base, "lockless"), filepath.Join(base, "live")
}

func TestHoldStagingSweeps(t *testing.T) {
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for _, tc := range []struct {
		name         string
		otherShare   bool // another pull holds a share of the staging area
		lone         bool
		wantUnlocked bool // the directory is still there after the sweep
		wantLockless bool
	}{
		{name: "alone", lone: true},
		{name: "alone in a busy process", lone: false},
		{name: "beside another pull", otherShare: true, lone: true, wantLockless: true},
		{name: "beside another pull in a busy process", otherShare: true, lone: false, wantUnlocked: true, wantLockless: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			ctx := context.Background()
			if tc.otherShare {
				// Taken first, as a pull takes its share before it stages.
				other, err := holdStaging(ctx, home, false)
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
			}
			unlocked, lockless, live := makeStaging(t, home)
			g, err := holdStaging(ctx, home, tc.lone)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			if g == nil {
				t.Fatal("no guard")
			}
			if got := exists(unlocked); got != tc.wantUnlocked {
				t.Errorf("unlocked directory kept: %v, want %v", got, tc.wantUnlocked)
			}
			if got := exists(lockless); got != tc.wantLockless {
				t.Errorf("lockless directory kept: %v, want %v", got, tc.wantLockless)
			}
			if !exists(live) {
				t.Error("a live pull's directory was removed")
			}
		})
	}
}

// A pull's share keeps a sweeper from taking the area exclusively until
// it is released, and several pulls share it at once.
func TestStagingGuardShares(t *testing.T) {
	home := t.TempDir()
	ctx := context.Background()
	a, err := holdStaging(ctx, home, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := holdStaging(ctx, home, true)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(filepath.Join(home, stagingGuardName), unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sweeper := &stagingGuard{fd: fd}
	defer sweeper.Close()
	if err := sweeper.lock(unix.F_WRLCK); err == nil {
		t.Fatal("exclusive lock taken while two pulls hold shares")
	}
	a.Close()
	if err := sweeper.lock(unix.F_WRLCK); err == nil {
		t.Fatal("exclusive lock taken while a pull holds a share")
	}
	b.Close()
	if err := sweeper.lock(unix.F_WRLCK); err != nil {
		t.Fatalf("exclusive lock after the pulls ended: %v", err)
	}
}
