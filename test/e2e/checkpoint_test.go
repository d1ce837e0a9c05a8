package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// counterCmd prints 0, 1, 2, ... ten times a second: a restored container
// goes on counting where it was; a restarted one would start at 0 again.
const counterCmd = "i=0; while :; do echo $i; i=$((i+1)); sleep 0.1; done"

// logCounts returns a container's log as numbers.
func logCounts(t *testing.T, e *Env, name string) []int {
	t.Helper()
	var n []int
	for _, l := range e.MustPod("logs", name).Lines() {
		v, err := strconv.Atoi(l)
		if err != nil {
			t.Fatalf("log line %q", l)
		}
		n = append(n, v)
	}
	return n
}

// waitCount waits until the container's log reaches at least min.
func waitCount(t *testing.T, e *Env, name string, min int) []int {
	t.Helper()
	var n []int
	waitFor(t, func() bool {
		n = logCounts(t, e, name)
		return len(n) > 0 && n[len(n)-1] >= min
	})
	return n
}

// consecutive fails t unless n counts from first up by one.
func consecutive(t *testing.T, what string, n []int, first int) {
	t.Helper()
	for i, v := range n {
		if v != first+i {
			t.Fatalf("%s: entry %d is %d, want %d (log %v)", what, i, v, first+i, n)
		}
	}
}

// TestCheckpointRestore checkpoints a counting container and restores it:
// in place, and from an exported archive into a new container. Checkpoint
// needs root (CRIU); rootless pod refuses, as podman does.
func TestCheckpointRestore(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		if e.Rootless() {
			e.MustPod("run", "-d", "--name", "cnt", img, "sleep", "600")
			e.Pod("container", "checkpoint", "cnt").Fails(t, 125, "requires root")
			e.Pod("container", "restore", "cnt").Fails(t, 125, "requires root")
			if got := out(e.MustPod("inspect", "-f", "{{.State.Status}}", "cnt")); got != "running" {
				t.Errorf("after the refused checkpoint the container is %s", got)
			}
			return
		}
		// runc drives CRIU everywhere; Debian 12's crun (the default
		// on cgroup v2) is built without checkpoint support, and pod
		// says so.
		crun := e.Pod("--runtime", "crun", "run", "-d", "--name", "crun-ctr", img, "sleep", "600")
		if crun.Code == 0 {
			r := e.Pod("--runtime", "crun", "container", "checkpoint", "crun-ctr")
			if r.Code != 0 && !strings.Contains(r.Stderr, "CRIU") {
				t.Errorf("crun checkpoint failed without naming CRIU: %s", r.Stderr)
			}
			e.Pod("--runtime", "crun", "rm", "-f", "crun-ctr")
		}
		e = runcEnv(e)
		id := out(e.MustPod("run", "-d", "--name", "cnt", img, "sh", "-c", counterCmd))
		waitCount(t, e, "cnt", 3)
		if why := criuUnusable(); why != "" {
			// pod says so, and the container runs on.
			e.Pod("container", "checkpoint", "cnt").Fails(t, 125, "CRIU")
			if got := out(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.Checkpointed}}", "cnt")); got != "running false" {
				t.Errorf("after the failed checkpoint: %q", got)
			}
			t.Skipf("CRIU cannot run here (criu check: %s)", why)
		}
		if got := out(e.MustPod("container", "checkpoint", "cnt")); got != id {
			t.Errorf("checkpoint printed %q, want the ID", got)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.Checkpointed}} {{.State.ExitCode}}", "cnt")); got != "exited true 0" {
			t.Errorf("after checkpoint: %q, want exited true 0", got)
		}
		before := logCounts(t, e, "cnt")
		consecutive(t, "log before restore", before, 0)
		last := before[len(before)-1]
		time.Sleep(300 * time.Millisecond) // a checkpointed container does not count
		if n := logCounts(t, e, "cnt"); len(n) != len(before) {
			t.Fatalf("the checkpointed container went on logging: %v", n)
		}

		if got := out(e.MustPod("container", "restore", "cnt")); got != id {
			t.Errorf("restore printed %q, want the ID", got)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.Checkpointed}} {{.State.Restored}}", "cnt")); got != "running false true" {
			t.Errorf("after restore: %q, want running false true", got)
		}
		consecutive(t, "log after restore", waitCount(t, e, "cnt", last+3), 0)
		e.Pod("container", "restore", "cnt").Fails(t, 125, "running")

		// Export, then import as a new container that goes on counting.
		archive := e.Path("cnt.tar.gz")
		var stats struct {
			Duration int64 `json:"podman_checkpoint_duration"`
			Ctrs     []struct {
				ID      string            `json:"Id"`
				Runtime int64             `json:"runtime_checkpoint_duration"`
				CRIU    map[string]uint64 `json:"criu_statistics"`
			} `json:"container_statistics"`
		}
		r := e.MustPod("container", "checkpoint", "--export", archive, "--print-stats", "cnt")
		if err := json.Unmarshal([]byte(r.Stdout), &stats); err != nil {
			t.Fatalf("--print-stats: %v: %q", err, r.Stdout)
		}
		if stats.Duration <= 0 || len(stats.Ctrs) != 1 || stats.Ctrs[0].ID != id || stats.Ctrs[0].Runtime <= 0 || stats.Ctrs[0].CRIU["pages_written"] == 0 {
			t.Errorf("--print-stats: %+v", stats)
		}
		if st, err := os.Stat(archive); err != nil || st.Size() == 0 {
			t.Fatalf("export: %v", err)
		}
		exported := logCounts(t, e, "cnt")
		resumed := exported[len(exported)-1]
		r = e.MustPod("container", "restore", "--import", archive, "--name", "cnt2")
		id2 := out(r)
		if id2 == id || len(id2) != 64 {
			t.Errorf("restore --import printed %q", id2)
		}
		n := waitCount(t, e, "cnt2", resumed+3)
		if n[0] <= resumed-1 || n[0] > resumed+1 {
			t.Errorf("the imported container's log starts at %d, want %d (it restarted?): %v", n[0], resumed+1, n)
		}
		consecutive(t, "imported container's log", n, n[0])
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.Restored}}", "cnt2")); got != "running true" {
			t.Errorf("imported container: %q", got)
		}
		e.Pod("container", "restore", "--import", e.Path("nosuch.tar.gz")).Fails(t, 125, "nosuch.tar.gz")
		e.Pod("container", "restore", "--name", "x", "cnt").Fails(t, 125, "--import")
		// An imported container checkpoints again (CRIU restored it into
		// the cgroup of the checkpoint, which it keeps): --leave-running
		// dumps it and it goes on.
		e.MustPod("container", "checkpoint", "--leave-running", "cnt2")
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.Checkpointed}}", "cnt2")); got != "running false" {
			t.Errorf("after --leave-running: %q", got)
		}
		n = logCounts(t, e, "cnt2")
		waitCount(t, e, "cnt2", n[len(n)-1]+2)
		e.Pod("container", "checkpoint", "cnt").Fails(t, 125, "")
		if s := e.MustPod("rm", "-f", "cnt", "cnt2").Stdout; !strings.Contains(s, "cnt2") {
			t.Errorf("rm: %q", s)
		}
	})
}

// criuUnusable is why CRIU cannot checkpoint on this machine ("" when it
// can): its own check's last error, e.g. CRIU 3.17 on a kernel of 6.13 or
// later, whose split vDSO data area ([vvar_vclock]) it does not know.
// Asked once: where it fails, criu check takes seconds to say so.
var criuUnusable = sync.OnceValue(func() string {
	path, err := exec.LookPath("criu")
	if err != nil {
		return "criu is not installed"
	}
	b, err := exec.Command(path, "check").CombinedOutput()
	if err == nil && !strings.Contains(string(b), "Error") {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "Error") {
			return l
		}
	}
	return strings.Join(lines, "; ")
})

// runcEnv is e with every pod command run with --runtime runc.
func runcEnv(e *Env) *Env {
	r := *e
	r.ExtraArgs = append(append([]string(nil), e.ExtraArgs...), "--runtime", "runc")
	return &r
}
