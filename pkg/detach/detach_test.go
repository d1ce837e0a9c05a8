package detach

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
			b, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(string(b))
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
