package lock

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a second process holding a lock:
// it acquires the lock named by the variable, prints "locked", and holds it
// until its stdin closes.
const helperEnv = "POD_LOCK_TEST_HOLD"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		l, err := Acquire(context.Background(), path)
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		io.Copy(io.Discard, os.Stdin)
		if err := l.Release(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// holder starts a process holding the lock on path; closing the returned
// writer makes it release and exit.
func holder(t *testing.T, path string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper did not lock: %q, %v", line, err)
	}
	return cmd, stdin
}

func TestTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "c.lock")
	cmd, release := holder(t, path)

	if l, ok, err := TryAcquire(path); err != nil || ok || l != nil {
		t.Fatalf("TryAcquire while another process holds the lock = %v, %v, %v; want nil, false, nil", l, ok, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire while held = %v; want context.DeadlineExceeded", err)
	}

	// Acquire blocks until the other process releases, then succeeds.
	got := make(chan error, 1)
	go func() {
		l, err := Acquire(context.Background(), path)
		if err == nil {
			err = l.Release()
		}
		got <- err
	}()
	release.Close()
	if err := <-got; err != nil {
		t.Fatalf("Acquire after release: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
}

func TestHolderDeathReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.lock")
	cmd, _ := holder(t, path)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := Acquire(ctx, path)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	l.Release()
}

func TestSameProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.lock")
	l1, ok, err := TryAcquire(path)
	if err != nil || !ok {
		t.Fatalf("TryAcquire on a free lock = %v, %v", ok, err)
	}
	// A second open file description in the same process is excluded too.
	if _, ok, err := TryAcquire(path); err != nil || ok {
		t.Fatalf("second TryAcquire = %v, %v; want false, nil", ok, err)
	}
	if err := l1.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l1.Release(); err != nil {
		t.Fatalf("second Release: %v; want no-op", err)
	}
	l2, ok, err := TryAcquire(path)
	if err != nil || !ok {
		t.Fatalf("TryAcquire after Release = %v, %v", ok, err)
	}
	l2.Release()
}

func TestCancelledWhileWaiting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.lock")
	l, err := Acquire(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Acquire(ctx, path); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire cancelled while waiting = %v; want context.Canceled", err)
	}
}

func TestBadPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A path under a regular file cannot be created.
	if _, _, err := TryAcquire(filepath.Join(file, "x.lock")); err == nil {
		t.Fatal("TryAcquire under a regular file succeeded")
	}
	if _, err := Acquire(context.Background(), filepath.Join(file, "x.lock")); err == nil {
		t.Fatal("Acquire under a regular file succeeded")
	}
}

func TestHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.lock")
	if pid := Holder(path); pid != 0 {
		t.Fatalf("Holder of a missing file = %d", pid)
	}
	l, err := Acquire(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if pid := Holder(path); pid != os.Getpid() {
		t.Fatalf("Holder = %d, want this process %d", pid, os.Getpid())
	}
	l.Release()
	if pid := Holder(path); pid != 0 {
		t.Fatalf("Holder after release = %d", pid)
	}
}
