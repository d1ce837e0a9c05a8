package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/state"
)

// TestSimulatedReboot leaves an Env as a reboot would: every process of it
// gone (monitors, containers and, rootless, the pause process holding the
// user and mount namespaces), its mounts gone, and its run root (rootless
// also the user's runtime directory) empty. Then no container may be shown
// running, and every command works: start, exec, logs, run, rm -f.
func TestSimulatedReboot(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "up", "--restart=no", img, "sh", "-c", "echo up-before; exec sleep 1000")
		e.MustPod("create", "--name", "made", img, "echo", "made-ran")
		if r := e.Pod("run", "--name", "done", img, "sh", "-c", "exit 3"); r.Code != 3 {
			t.Fatalf("run done: exit %d, want 3: %s", r.Code, r.Stderr)
		}
		// A container that exited is recorded so by its monitor's cleanup
		// command (a pod process given --root); a reboot before that
		// would lose its exit code.
		doneID := out(e.MustPod("inspect", "--format", "{{.Id}}", "done"))
		waitFor(t, func() bool { return monitorOf(doneID) == 0 })
		waitNoProcessUsing(e.Root, time.Minute)
		waitLog(t, e, "up", "up-before")
		pause := e.PausePID()
		if e.Rootless() && pause == 0 {
			t.Fatal("no pause process before the reboot")
		}

		simulateReboot(t, e)

		// Podman's view after a reboot: what ran has exited, what was only
		// created is still created.
		ps := e.MustPod("ps", "-a", "--format", "{{.Names}} {{.State}} {{.Status}}").Lines()
		sort.Strings(ps)
		if len(ps) != 3 || !strings.HasPrefix(ps[0], "done exited Exited (3)") || ps[1] != "made created Created" ||
			!strings.HasPrefix(ps[2], "up exited Exited (") {
			t.Fatalf("ps -a after the reboot:\n%s", strings.Join(ps, "\n"))
		}
		if got := e.MustPod("ps", "-q").Stdout; got != "" {
			t.Fatalf("running after the reboot: %q", got)
		}
		if e.Rootless() {
			if now := e.PausePID(); now == 0 || now == pause {
				t.Fatalf("pause process after the reboot: %d (was %d)", now, pause)
			}
		}

		e.MustPod("start", "up")
		if got := out(e.MustPod("ps", "--format", "{{.Names}} {{.State}}")); got != "up running" {
			t.Fatalf("after start: ps %q", got)
		}
		if got := out(e.MustPod("exec", "up", "echo", "exec-after")); got != "exec-after" {
			t.Fatalf("exec after the reboot: %q", got)
		}
		// The log lives with the container in storage: both runs are in it.
		waitLog(t, e, "up", "up-before\nup-before")
		if got := out(e.MustPod("start", "-a", "made")); got != "made-ran" {
			t.Fatalf("start -a of the created container: %q", got)
		}
		if got := out(e.MustPod("run", "--rm", img, "echo", "run-after")); got != "run-after" {
			t.Fatalf("run after the reboot: %q", got)
		}
		if got := len(e.MustPod("rm", "-f", "-t", "0", "up", "made", "done").Lines()); got != 3 {
			t.Fatalf("rm -f removed %d containers, want 3", got)
		}
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers left: %q", got)
		}
	})
}

// monitorOf is the PID of the pod-conmon process of container id, or 0.
func monitorOf(id string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) == 2 && filepath.Base(args[0]) == "pod-conmon" && args[1] == id {
			return atoi(filepath.Base(filepath.Dir(d)))
		}
	}
	return 0
}

// recordAnotherBoot makes e's state DB say that its last command ran in
// another boot, as it does after a reboot (pod records the kernel's boot
// id there).
func recordAnotherBoot(t *testing.T, e *Env) {
	t.Helper()
	ctx := context.Background()
	// As root the DB's new -wal and -shm files are given its owner, so
	// the rootless user can still open it.
	db, err := state.Open(ctx, filepath.Join(e.Root, "pod", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetMeta(ctx, state.BootKey, "00000000-0000-0000-0000-000000000000"); err != nil {
		t.Fatal(err)
	}
}

// simulateReboot kills every process of e at once, drops its mounts and
// empties its run root and runtime directory, as a reboot leaves them.
func simulateReboot(t *testing.T, e *Env) {
	t.Helper()
	pids := envProcesses(t, e)
	for _, pid := range pids {
		_ = unix.Kill(pid, unix.SIGKILL)
	}
	for _, pid := range pids {
		waitGone(t, pid)
	}
	unmountUnder(e.Dir)
	for _, dir := range []string{e.RunRoot, e.Path("xdg")} {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, ent := range entries {
			if err := os.RemoveAll(filepath.Join(dir, ent.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	recordAnotherBoot(t, e)
}

// envProcesses lists the processes of e: its pause process, the monitors
// of its containers, anything naming its directory on its command line,
// whatever shares the pause process's user namespace, and all their
// descendants. Other suites' processes (the same users run them) are not
// in it.
func envProcesses(t *testing.T, e *Env) []int {
	t.Helper()
	ids := map[string]bool{}
	for _, id := range e.MustPod("ps", "-a", "-q", "--no-trunc").Lines() {
		ids[id] = true
	}
	pause := e.PausePID()
	var userNS string
	if pause > 0 {
		userNS, _ = os.Readlink("/proc/" + itoa(pause) + "/ns/user")
	}
	type proc struct{ pid, ppid int }
	var procs []proc
	in := map[int]bool{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid := atoi(filepath.Base(d))
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// The command name in parentheses may hold spaces: the fields
		// after its closing one are state, then the parent's PID.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		procs = append(procs, proc{pid, atoi(f[1])})
		cmdline, _ := os.ReadFile(d + "/cmdline")
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		ns, _ := os.Readlink(d + "/ns/user")
		switch {
		case pid == pause,
			len(args) == 2 && filepath.Base(args[0]) == "pod-conmon" && ids[args[1]],
			strings.Contains(string(cmdline), e.Dir+"/"),
			userNS != "" && ns == userNS:
			in[pid] = true
		}
	}
	for grew := true; grew; {
		grew = false
		for _, p := range procs {
			if !in[p.pid] && in[p.ppid] {
				in[p.pid], grew = true, true
			}
		}
	}
	var pids []int
	for pid := range in {
		if pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		t.Fatal("no process of the Env found to kill")
	}
	t.Logf("killing %d processes of the %s", len(pids), e)
	return pids
}
