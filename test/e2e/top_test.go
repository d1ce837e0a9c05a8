package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// top, stats, pause and unpause: looking at and freezing a running
// container's processes.

// hostCgroupV2 reports whether the host has the unified cgroup hierarchy
// alone (rootless containers get cgroups only there).
func hostCgroupV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// noRootlessCgroups reports whether e's containers have no cgroup of their
// own (rootless on cgroup v1).
func noRootlessCgroups(e *Env) bool { return e.Rootless() && !hostCgroupV2() }

// counterCtr runs a container whose counter in /tmp/c grows every 0.1 s.
func counterCtr(t *testing.T, e *Env, name string, flags ...string) {
	t.Helper()
	img := pulled(t, e)
	args := append([]string{"run", "-d", "--name", name}, flags...)
	e.MustPod(append(args, img, "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/c; sleep 0.1; done")...)
}

func TestTop(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		counterCtr(t, e, "busy")
		lines := e.MustPod("top", "busy").Lines()
		if got := strings.Fields(lines[0]); strings.Join(got, " ") != "USER PID PPID %CPU ELAPSED TTY TIME COMMAND" {
			t.Fatalf("top header %q", lines[0])
		}
		init := strings.Fields(lines[1])
		if len(init) < 8 || init[0] != "root" || init[1] != "1" || init[2] != "0" || init[5] != "?" ||
			strings.Join(init[7:], " ") != "sh -c i=0; while :; do i=$((i+1)); echo $i > /tmp/c; sleep 0.1; done" {
			t.Fatalf("top init row %q", lines[1])
		}
		if _, err := time.ParseDuration(init[4]); err != nil {
			t.Errorf("ELAPSED %q is not a duration: %v", init[4], err)
		}
		// Descriptors: host PIDs are the container's processes seen from here.
		rows := e.MustPod("top", "busy", "pid,hpid", "comm").Lines()
		if strings.Join(strings.Fields(rows[0]), " ") != "PID HPID COMMAND" {
			t.Fatalf("descriptor header %q", rows[0])
		}
		initPID := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", "busy"))
		if f := strings.Fields(rows[1]); f[0] != "1" || f[1] != initPID || f[2] != "sh" {
			t.Fatalf("descriptor row %q, want pid 1, hpid %s, sh", rows[1], initPID)
		}
		// ps(1) options: the container's own ps in its PID namespace.
		ef := e.MustPod("top", "busy", "-ef").Lines()
		if !strings.HasPrefix(ef[0], "PID") || !strings.Contains(ef[1], "sh -c i=0") || !strings.Contains(e.MustPod("top", "busy", "-ef").Stdout, "ps -ef") {
			t.Fatalf("top -ef:\n%s", strings.Join(ef, "\n"))
		}
		if !strings.Contains(e.MustPod("top", "--list-descriptors").Stdout, "huser\n") {
			t.Error("--list-descriptors lacks huser")
		}
		e.MustPod("stop", "-t", "0", "busy")
		e.Pod("top", "busy").Fails(t, 125, "top can only be used on running containers")
		e.Pod("top", "nosuch").Fails(t, 125, "no such container")
	})
}

func TestStats(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if noRootlessCgroups(e) {
			counterCtr(t, e, "lim")
			e.Pod("stats", "--no-stream").Fails(t, 125, "stats is not supported for rootless containers on cgroup v1")
			return
		}
		counterCtr(t, e, "lim", "--memory", "64m")
		img := pulled(t, e)
		e.MustPod("create", "--name", "idle", img, "true")
		lines := e.MustPod("stats", "--no-stream").Lines()
		if len(lines) != 2 {
			t.Fatalf("stats --no-stream shows %d lines, want a header and the running container:\n%s", len(lines), strings.Join(lines, "\n"))
		}
		for _, col := range []string{"ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET IO", "BLOCK IO", "PIDS"} {
			if !strings.Contains(lines[0], col) {
				t.Errorf("header %q lacks %s", lines[0], col)
			}
		}
		if !strings.Contains(lines[1], " / 67.1MB") || !strings.Contains(lines[1], "lim") {
			t.Errorf("the 64 MiB limit is not shown: %q", lines[1])
		}
		var js []map[string]string
		if err := json.Unmarshal([]byte(e.MustPod("stats", "--no-stream", "--format", "json", "lim").Stdout), &js); err != nil || len(js) != 1 {
			t.Fatalf("stats --format json: %v %v", js, err)
		}
		if js[0]["name"] != "lim" || !strings.HasSuffix(js[0]["mem_usage"], " / 67.1MB") || js[0]["pids"] == "0" {
			t.Errorf("json entry %v", js[0])
		}
		// A template; PIDs counts the shell and its sleep at least.
		got := out(e.MustPod("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "lim"))
		name, pids, _ := strings.Cut(got, " ")
		if n, err := strconv.Atoi(pids); name != "lim" || err != nil || n < 1 {
			t.Errorf("template output %q", got)
		}
		// -a shows the one that does not run, with zeros.
		all := e.MustPod("stats", "--no-stream", "-a", "--format", "{{.Name}} {{.CPUPerc}} {{.PIDs}}").Lines()
		if len(all) != 2 || !containsLine(all, "idle 0.00% 0") {
			t.Errorf("stats -a: %q", all)
		}
		e.Pod("stats", "--no-stream", "idle").Fails(t, 125, "cannot get stats of container idle: it is not running")
		e.Pod("stats", "--no-stream", "nosuch").Fails(t, 125, "no such container")
	})
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// counter reads the container's counter through the host's view of its
// root filesystem (the test runs as root), so nothing runs in it.
func counter(t *testing.T, e *Env, name string) int {
	t.Helper()
	pid := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", name))
	// The shell truncates the file before it writes the next count: an
	// empty read caught it between the two (never while it is frozen).
	var b []byte
	for try := 0; try < 50; try++ {
		var err error
		if b, err = os.ReadFile("/proc/" + pid + "/root/tmp/c"); err != nil {
			t.Fatal(err)
		}
		if len(strings.TrimSpace(string(b))) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("counter %q: %v", b, err)
	}
	return n
}

func TestPauseUnpause(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		counterCtr(t, e, "cnt")
		if noRootlessCgroups(e) {
			e.Pod("pause", "cnt").Fails(t, 125, "pause is not supported for rootless containers on cgroup v1")
			return
		}
		if got := out(e.MustPod("pause", "cnt")); got != "cnt" {
			t.Fatalf("pause printed %q", got)
		}
		if got := out(e.MustPod("inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "cnt")); got != "paused true" {
			t.Fatalf("inspect after pause: %q", got)
		}
		if got := out(e.MustPod("ps", "--format", "{{.Names}} {{.Status}}")); got != "cnt Paused" {
			t.Fatalf("ps after pause: %q", got)
		}
		// Frozen: the counter stays where it was. Its file is read twice
		// with the loop's period in between, without any timing bound.
		before := counter(t, e, "cnt")
		time.Sleep(300 * time.Millisecond)
		if after := counter(t, e, "cnt"); after != before {
			t.Fatalf("counter moved from %d to %d while paused", before, after)
		}
		e.Pod("pause", "cnt").Fails(t, 125, `"cnt" is already paused`)
		if got := e.MustPod("unpause", "-a").Stdout; !strings.HasPrefix(got, out(e.MustPod("inspect", "--format", "{{.Id}}", "cnt"))) {
			t.Fatalf("unpause -a printed %q", got)
		}
		e.Pod("unpause", "cnt").Fails(t, 125, `"cnt" is not paused`)
		start := counter(t, e, "cnt")
		waitFor(t, func() bool { return counter(t, e, "cnt") != start })
		// Both steps are events.
		ev := e.MustPod("events", "--stream=false", "--filter", "container=cnt", "--format", "{{.Status}}").Lines()
		if !containsLine(ev, "pause") || !containsLine(ev, "unpause") {
			t.Errorf("events lack pause and unpause: %q", ev)
		}
		// A paused container can be stopped.
		e.MustPod("pause", "cnt")
		e.MustPod("stop", "-t", "1", "cnt")
		e.Pod("pause", "cnt").Fails(t, 125, `"cnt" is not running`)
	})
}

// TestStatsStream reads the streamed reports as they come and stops the
// stream once two have arrived.
func TestStatsStream(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		counterCtr(t, e, "s1")
		if noRootlessCgroups(e) {
			// No cgroup of its own to read: the stream ends at once with
			// the reason rather than printing nothing forever.
			e.Pod("stats", "--interval", "1").Fails(t, 125, "stats is not supported for rootless containers on cgroup v1")
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := e.Command(ctx, "stats", "--interval", "1", "--format", "{{.Name}} {{.PIDs}}")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		reports := 0
		for reports < 2 && sc.Scan() {
			if strings.HasPrefix(sc.Text(), "s1 ") {
				reports++
			}
		}
		cancel()
		cmd.Wait()
		if reports < 2 {
			t.Fatalf("saw %d reports before the stream ended", reports)
		}
	})
}
