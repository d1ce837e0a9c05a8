package storage

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pod-engine/pod/pkg/detach"
)

func TestSweepDeadTempDirs(t *testing.T) {
	base := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.Process.Pid
	self := os.Getpid()
	start, err := detach.StartTime(self)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := makeTempDir(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		kept bool
	}{
		{filepath.Base(mine), true},
		{fmt.Sprintf("op-%d@%d-1", self, start+1), false}, // this PID, another process
		{fmt.Sprintf("op-%d@1-2", deadPID), false},
		{fmt.Sprintf("op-%d-3", self), true}, // an older pod's, alive
		{fmt.Sprintf("op-%d-4", deadPID), false},
		{"unrelated", true},
	} {
		if err := os.MkdirAll(filepath.Join(base, tc.name, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_, err := os.Stat(filepath.Join(base, tc.name))
			if kept := err == nil; kept != tc.kept {
				t.Errorf("%s: kept %v, want %v", tc.name, kept, tc.kept)
			}
		}()
	}
	sweepDeadTempDirs(base)
}
