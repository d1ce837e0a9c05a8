package conmon_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/conmon"
)

func TestWaitMonitor(t *testing.T) {
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep:", err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := conmon.WaitMonitor(ctx, cmd.Process.Pid); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
	t.Run("exits", func(t *testing.T) {
		done := make(chan error, 1)
		go func() { done <- conmon.WaitMonitor(context.Background(), cmd.Process.Pid) }()
		cmd.Process.Kill()
		if err := <-done; err != nil {
			t.Errorf("got %v, want nil once the process died", err)
		}
	})
	t.Run("gone", func(t *testing.T) {
		cmd.Wait()
		if err := conmon.WaitMonitor(context.Background(), cmd.Process.Pid); err != nil {
			t.Errorf("got %v for a process that no longer exists", err)
		}
	})
}

func TestAliveRejectsOtherPrograms(t *testing.T) {
	for _, pid := range []int{os.Getpid(), 1, 0, -1} {
		if conmon.Alive(pid) {
			t.Errorf("Alive(%d) = true for a process that is not pod-conmon", pid)
		}
	}
}

// TestAliveFor checks that a monitor counts only for the ID it carries: a
// PID reused by another container's monitor is not this container's.
func TestAliveFor(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash for exec -a")
	}
	// argv is [pod-conmon, 1000], as a monitor's is [pod-conmon, ID].
	cmd := exec.Command(bash, "-c", "exec -a "+conmon.BinaryName+" sleep 1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for !conmon.Alive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // until bash has exec'ed
	}
	if !conmon.AliveFor(pid, "1000") {
		t.Errorf("AliveFor(%d, its own ID) = false", pid)
	}
	if conmon.AliveFor(pid, "another") {
		t.Errorf("AliveFor(%d, another ID) = true", pid)
	}
	if conmon.AliveFor(os.Getpid(), "1000") || conmon.AliveFor(0, "") {
		t.Error("AliveFor true for a process that is not pod-conmon")
	}
}
