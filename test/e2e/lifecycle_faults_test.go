package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault injection: pod kills itself with SIGKILL at the point named by
// POD_TEST_CRASH_AT (pkg/engine/faults.go lists them); the next command
// must tell the truth and work.

// podKilledAt runs pod with args, killed at point, and checks that it was.
func podKilledAt(t *testing.T, e *Env, point string, args ...string) {
	t.Helper()
	saved := e.ExtraEnv
	e.ExtraEnv = append(append([]string(nil), saved...), "POD_TEST_CRASH_AT="+point)
	r := e.Pod(args...)
	e.ExtraEnv = saved
	if r.Code != -1 && r.Code != 137 {
		t.Fatalf("pod %s with POD_TEST_CRASH_AT=%s: exit %d, want killed\nstdout: %s\nstderr: %s",
			strings.Join(args, " "), point, r.Code, r.Stdout, r.Stderr)
	}
}

// stateOf is the container's state as ps shows it.
func stateOf(t *testing.T, e *Env, name string) string {
	t.Helper()
	return out(e.MustPod("ps", "-a", "--filter", "name=^"+name+"$", "--format", "{{.State}}"))
}

// TestStartKilledBeforeMonitor: pod dies after recording the start's
// intent, before the monitor runs. Nothing runs, so the container is
// exited, and it starts again.
func TestStartKilledBeforeMonitor(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "c", "--network", "none", img, "sleep", "1000")
		podKilledAt(t, e, "start-recorded", "start", "c")
		if got := stateOf(t, e, "c"); got != "exited" {
			t.Fatalf("after pod died starting it: %q, want exited", got)
		}
		e.MustPod("start", "c")
		if got := out(e.MustPod("exec", "c", "echo", "up")); got != "up" {
			t.Fatalf("exec after the restart: %q", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "c")
	})
}

// TestStartKilledAfterRuntime: pod dies once the monitor reported the
// container running, before pod recorded it. The container runs: the next
// command shows it running with its PID, exec reaches it, stop stops it.
func TestStartKilledAfterRuntime(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--name", "c", "--network", "none", img, "sleep", "1000"))
		podKilledAt(t, e, "start-ran", "start", "c")
		monitor := monitorPID(t, id)
		if got := stateOf(t, e, "c"); got != "running" {
			t.Fatalf("after pod died with the container running: %q, want running", got)
		}
		got := out(e.MustPod("inspect", "--format", "{{.State.Pid}} {{.State.ConmonPid}}", "c"))
		if f := strings.Fields(got); len(f) != 2 || atoi(f[0]) <= 0 || atoi(f[1]) != monitor {
			t.Fatalf("inspect Pid, ConmonPid = %q; want the container's and %d", got, monitor)
		}
		if got := out(e.MustPod("exec", "c", "echo", "reached")); got != "reached" {
			t.Fatalf("exec: %q", got)
		}
		e.MustPod("stop", "-t", "0", "c")
		waitGone(t, monitor)
		if got := stateOf(t, e, "c"); got != "exited" {
			t.Fatalf("after stop: %q", got)
		}
		e.MustPod("start", "c")
		e.MustPod("rm", "-f", "-t", "0", "c")
	})
}

// TestCreateInterruptedUndone: a create interrupted (Ctrl-C) after it
// added the container's row, and failing for it, removes the row: the
// undo is not cut short by the same cancellation.
func TestCreateInterruptedUndone(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		saved := e.ExtraEnv
		e.ExtraEnv = append(append([]string(nil), saved...), "POD_TEST_CRASH_AT=create-added")
		r := e.Pod("create", "--name", "c", "--network", "none", img, "true")
		e.ExtraEnv = saved
		if r.Code == 0 || !strings.Contains(r.Stderr, "interrupted at create-added") {
			t.Fatalf("interrupted create: exit %d: %s", r.Code, r.Stderr)
		}
		if got := e.MustPod("ps", "-a", "--format", "{{.Names}}").Stdout; got != "" {
			t.Fatalf("containers after the interrupted create: %q", got)
		}
		e.MustPod("create", "--name", "c", "--network", "none", img, "true")
		e.MustPod("rm", "c")
	})
}

// needsPause skips where pause cannot work: rootless on a cgroup v1 host.
func needsPause(t *testing.T, e *Env, name string) {
	t.Helper()
	if r := e.Pod("pause", name); r.Code != 0 {
		if e.Rootless() && strings.Contains(r.Stderr, "cgroup v1") {
			t.Skip("pause needs a freezer cgroup of the container's own: " + strings.TrimSpace(r.Stderr))
		}
		r.Success(t)
	}
	e.MustPod("unpause", name)
}

// TestPauseEventsOnce: pause and unpause record one event each.
func TestPauseEventsOnce(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "c", "--network", "none", img, "sleep", "1000")
		needsPause(t, e, "c")
		got := e.MustPod("events", "--stream=false", "--filter", "event=pause", "--filter", "event=unpause",
			"--format", "{{.Status}} {{.Name}}").Lines()
		if strings.Join(got, ",") != "pause c,unpause c" {
			t.Fatalf("events of one pause and unpause: %q", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "c")
	})
}

// TestExecEnvFilesLastWins: of several --env-file's the last wins, and -e
// over them all, as with create (and Docker).
func TestExecEnvFilesLastWins(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		one := e.WriteFile("one.env", []byte("A=one\nB=one\n"))
		two := e.WriteFile("two.env", []byte("A=two\n"))
		e.MustPod("run", "-d", "--name", "c", "--network", "none", img, "sleep", "1000")
		if got := out(e.MustPod("exec", "--env-file", one, "--env-file", two, "c", "sh", "-c", "echo $A $B")); got != "two one" {
			t.Errorf("exec with two env files: %q, want %q", got, "two one")
		}
		if got := out(e.MustPod("exec", "--env-file", one, "--env-file", two, "-e", "A=e", "c", "sh", "-c", "echo $A")); got != "e" {
			t.Errorf("exec with -e over env files: %q", got)
		}
		// create agrees.
		if got := out(e.MustPod("run", "--rm", "--network", "none", "--env-file", one, "--env-file", two, img, "sh", "-c", "echo $A $B")); got != "two one" {
			t.Errorf("run with two env files: %q", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "c")
	})
}

// TestCommitPauseRacesPause runs `commit --pause` and `pause` at once,
// again and again: both always succeed (the commit pauses and resumes under
// the container's lock), and the container ends paused, as the DB says.
func TestCommitPauseRacesPause(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "c", "--network", "none", img, "sleep", "1000")
		needsPause(t, e, "c")
		for i := 0; i < 8; i++ {
			var wg sync.WaitGroup
			var commit, pause *Result
			wg.Add(2)
			go func() { defer wg.Done(); commit = e.Pod("commit", "--pause", "c", "localhost/snap") }()
			go func() { defer wg.Done(); pause = e.Pod("pause", "c") }()
			wg.Wait()
			commit.Success(t)
			pause.Success(t)
			if got := stateOf(t, e, "c"); got != "paused" {
				t.Fatalf("round %d: %q after pause, want paused", i, got)
			}
			// Frozen for real: unpause succeeds and the container answers.
			e.MustPod("unpause", "c")
			if got := out(e.MustPod("exec", "c", "echo", "thawed")); got != "thawed" {
				t.Fatalf("round %d: exec after unpause: %q", i, got)
			}
		}
		e.MustPod("rm", "-f", "-t", "0", "c")
	})
}

// TestStopPausedThawFails: a stop that cannot thaw a paused container
// does not send a stop signal that cannot arrive and wait out its timeout:
// it says why and kills the container at once.
func TestStopPausedThawFails(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "c", "--network", "none", img, "sleep", "1000")
		needsPause(t, e, "c")
		e.MustPod("pause", "c")
		// A runtime that refuses to resume, and is runc otherwise (named
		// runc, so that it finds runc's state).
		dir := e.Mkdir("badruntime")
		wrapper := filepath.Join(dir, "runc")
		script := "#!/bin/sh\nfor a; do [ \"$a\" = resume ] && { echo 'resume refused' >&2; exit 1; }; done\nexec /usr/bin/runc \"$@\"\n"
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		r := e.MustPod("--runtime", wrapper, "stop", "-t", "30", "c")
		if took := time.Since(begin); took > 15*time.Second {
			t.Errorf("stop of a container it could not thaw took %s: it waited out the stop timeout", took)
		}
		if !strings.Contains(r.Stderr, "could not unpause c") || !strings.Contains(r.Stderr, "resume refused") {
			t.Errorf("stop did not say why it killed: %q", r.Stderr)
		}
		if got := stateOf(t, e, "c"); got != "exited" {
			t.Fatalf("after stop: %q", got)
		}
		e.MustPod("rm", "c")
	})
}

// TestRemoveKeepsLockFile: rm leaves the container's lock file (pkg/lock:
// a lock file removed while another process waits on it would let two
// processes hold the lock at once).
func TestRemoveKeepsLockFile(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--network", "none", img, "true"))
		e.MustPod("start", id)
		e.MustPod("rm", "-f", id)
		if _, err := os.Stat(filepath.Join(e.RunRoot, "pod", "locks", id+".lock")); err != nil {
			t.Fatalf("lock file after rm: %v", err)
		}
	})
}
