package detach

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestStart(t *testing.T) {
	for _, tc := range []struct {
		name, script, wantErr string
	}{
		{"ready", "printf ok >&3; exec 3>&-; sleep 30", ""},
		{"fails", "printf 'cannot listen' >&3; exit 1", "cannot listen"},
		{"exits", "exit 0", "exited before it was ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			err := Start(context.Background(), exec.Command("sh", "-c", tc.script), pidFile)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Start = %v, want an error saying %q", err, tc.wantErr)
				}
				if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
					t.Fatalf("pid file written for a failed start: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pid := ReadPID(pidFile)
			if pid == 0 {
				t.Fatal("pid file names no running process")
			}
			if sid, _ := unix.Getsid(pid); sid != pid {
				t.Errorf("child %d is not in a session of its own (sid %d)", pid, sid)
			}
			syscall.Kill(pid, syscall.SIGKILL)
		})
	}
}

func TestStartCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := Start(ctx, exec.Command("sleep", "30"), ""); err != context.DeadlineExceeded {
		t.Fatalf("Start = %v, want the context's error", err)
	}
}

// The PID is recorded before the child is ready: a caller killed while it
// waits leaves a child that the next command can find.
func TestStartRecordsBeforeReady(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Start(ctx, exec.Command("sleep", "30"), pidFile) }()
	deadline := time.Now().Add(5 * time.Second)
	pid := 0
	for pid == 0 && time.Now().Before(deadline) {
		pid = ReadPID(pidFile)
		time.Sleep(time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("no PID recorded while the child is not ready")
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Start = %v, want the context's error", err)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file left after a failed start: %v", err)
	}
}

// A recorded PID whose process ended, or whose number another process now
// has, reads as 0.
func TestReadPIDReused(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "self")
	if err := WritePID(self, os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if got := ReadPID(self); got != os.Getpid() {
		t.Fatalf("ReadPID of this process = %d", got)
	}
	start, _ := StartTime(os.Getpid())
	reused := filepath.Join(dir, "reused")
	if err := os.WriteFile(reused, []byte(strings.Join([]string{itoa(os.Getpid()), itoa(int(start) + 1)}, " ")), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ReadPID(reused); got != 0 {
		t.Fatalf("ReadPID of a reused PID = %d, want 0", got)
	}
	legacy := filepath.Join(dir, "legacy")
	if err := os.WriteFile(legacy, []byte(itoa(os.Getpid())), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ReadPID(legacy); got != os.Getpid() {
		t.Fatalf("ReadPID of a PID-only file = %d", got)
	}
}

func itoa(i int) string { return fmt.Sprint(i) }
