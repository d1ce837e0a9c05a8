package e2e

import (
	"os"
	"strings"
	"testing"
)

// pod init: a container prepared up to the runtime's create, started later.

func TestInitThenStart(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "ini", img, "sh", "-c", "echo started; sleep 60")
		if got := out(e.MustPod("init", "ini")); got != "ini" {
			t.Fatalf("init printed %q", got)
		}
		if got := out(e.MustPod("inspect", "--format", "{{.State.Status}} {{.State.Running}}", "ini")); got != "initialized false" {
			t.Fatalf("inspect after init: %q", got)
		}
		// The runtime's process exists and waits; the command has not run.
		pid := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", "ini"))
		if cmdline, err := os.ReadFile("/proc/" + pid + "/cmdline"); err != nil || strings.Contains(string(cmdline), "echo started") {
			t.Fatalf("process %s of the initialized container: %q %v", pid, cmdline, err)
		}
		if got := out(e.MustPod("ps", "-a", "--format", "{{.Names}} {{.Status}}")); got != "ini Initialized" {
			t.Fatalf("ps after init: %q", got)
		}
		// Its process has not run: nothing logged.
		if got := e.MustPod("logs", "ini").Stdout; got != "" {
			t.Fatalf("logs before start: %q", got)
		}
		// Again: nothing to do.
		e.MustPod("init", "ini")
		e.MustPod("start", "ini")
		if got := out(e.MustPod("inspect", "--format", "{{.State.Status}}", "ini")); got != "running" {
			t.Fatalf("after start: %q", got)
		}
		waitFor(t, func() bool { return strings.Contains(e.MustPod("logs", "ini").Stdout, "started") })
		e.Pod("init", "ini").Fails(t, 125, "container ini has already been created in runtime")
		e.MustPod("stop", "-t", "0", "ini")

		// Attached start of an initialized container streams its output.
		e.MustPod("create", "--name", "att", img, "echo", "attached")
		e.MustPod("init", "att")
		if got := e.MustPod("start", "-a", "att").Stdout; got != "attached\n" {
			t.Fatalf("start -a after init: %q", got)
		}
		// An initialized container can be removed, leaving nothing behind.
		e.MustPod("create", "--name", "gone", img, "true")
		e.MustPod("init", "gone")
		e.MustPod("rm", "-f", "gone")
		if got := e.MustPod("mount").Stdout; got != "" {
			t.Fatalf("mounts left after rm of an initialized container: %q", got)
		}
		// A command that does not exist fails at init, as at start.
		e.MustPod("create", "--name", "bad", img, "/nonexistent")
		e.Pod("init", "bad").Fails(t, 127, "not found")
		if got := out(e.MustPod("inspect", "--format", "{{.State.Status}}", "bad")); got != "created" {
			t.Fatalf("after a failed init: %q", got)
		}
		e.Pod("init", "nosuch").Fails(t, 125, "no such container")
	})
}
