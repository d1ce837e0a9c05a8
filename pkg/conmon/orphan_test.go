package conmon_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/conmon"
)

// fakeRuntime is a "runtime create" shaped like crun's: it forks an
// intermediate process that starts the container's init and outlives it,
// and exits itself as soon as the pid file is written. The init waits
// for a line on the start FIFO (as a runtime's init waits for "start"),
// then exits 3 while its parent (the intermediate) still lives; only when
// that one exits is the zombie handed to the monitor, the subreaper.
// The intermediate runs builtins only until it execs sleep: a shell that
// waits for a command it forked (an mv, say) reaps any child, and could
// take the init's status first when the init exits that soon (it did once,
// under load in CI).
const fakeRuntime = `#!/bin/sh
pidfile=$1 fifo=$2 linger=$3
sh -c '
  sh -c "read x < \"$1\"; exit 3" init "$1" &
  echo $! > "$2"
  exec sleep "$3" >/dev/null 2>&1
' intermediate "$fifo" "$pidfile" "$linger" &
while [ ! -s "$pidfile" ]; do sleep 0.01; done
`

// TestExitOfInitNotYetReparented: the container's init exits while it is
// still the child of the runtime's intermediate process. Its pidfd reports
// the exit at once, but the monitor can reap it only after the hand-over;
// the exit code must survive that wait (it was recorded as 255 under crun
// on a slow guest).
func TestExitOfInitNotYetReparented(t *testing.T) {
	if monitorBin == "" {
		t.Skip("pod-conmon not built")
	}
	dir := t.TempDir()
	rt := filepath.Join(dir, "runtime")
	if err := os.WriteFile(rt, []byte(fakeRuntime), 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "start")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "pid")
	cfg := conmon.Config{
		ID:          "orphan",
		RuntimeArgv: []string{rt, pidFile, fifo, "1.5"},
		PidFile:     pidFile,
		LogPath:     filepath.Join(dir, "ctr.log"),
		ExitFile:    filepath.Join(dir, "exit"),
	}
	st, err := conmon.Start(t.Context(), monitorBin, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("go\n")
	f.Close()
	started := time.Now()
	c := &ctr{t: t, cfg: cfg}
	e := c.wait(st)
	if e.Code != 3 {
		t.Errorf("exit code %d, want 3 (the init's)", e.Code)
	}
	// It is known only once the intermediate process is gone.
	if waited := time.Since(started); waited < time.Second {
		t.Errorf("the monitor finished after %v, before the intermediate process handed the init over", waited)
	}
}
