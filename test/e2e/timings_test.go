package e2e

import (
	"strconv"
	"strings"
	"testing"
)

// timingsTable is the table pod --timings prints on stderr: phase → ms,
// and the shares of its lines.
type timingsTable struct {
	ms     map[string]float64
	share  map[string]float64
	phases []string // in the order printed, without other and total
}

// parseTimings finds the table at the end of stderr and checks its shape:
// a header, then "NAME  N.Nms  N.N%  CALLS" lines, then other and total.
func parseTimings(t *testing.T, stderr string) timingsTable {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	head := -1
	for i, l := range lines {
		if strings.Join(strings.Fields(l), " ") == "PHASE TIME SHARE CALLS" {
			head = i
		}
	}
	if head < 0 {
		t.Fatalf("no timings table on stderr:\n%s", stderr)
	}
	tab := timingsTable{ms: map[string]float64{}, share: map[string]float64{}}
	for _, l := range lines[head+1:] {
		// A name may have spaces ("storage open"): the numbers are the
		// last fields.
		f := strings.Fields(l)
		n := 3 // time, share, calls
		if len(f) > 0 && (f[0] == "other" || f[0] == "total") {
			n = 2
		}
		if len(f) <= n {
			t.Fatalf("timings line %q: too few fields\n%s", l, stderr)
		}
		name := strings.Join(f[:len(f)-n], " ")
		ms, err := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-n], "ms"), 64)
		if err != nil || !strings.HasSuffix(f[len(f)-n], "ms") || ms < 0 {
			t.Fatalf("timings line %q: time %q is not N.Nms\n%s", l, f[len(f)-n], stderr)
		}
		share, err := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-n+1], "%"), 64)
		if err != nil {
			t.Fatalf("timings line %q: share %q is not N.N%%", l, f[len(f)-n+1])
		}
		if n == 3 {
			if calls, err := strconv.Atoi(f[len(f)-1]); err != nil || calls < 1 {
				t.Fatalf("timings line %q: calls %q is not a count", l, f[len(f)-1])
			}
			tab.phases = append(tab.phases, name)
		}
		tab.ms[name], tab.share[name] = ms, share
	}
	if _, ok := tab.ms["total"]; !ok {
		t.Fatalf("timings table has no total line:\n%s", stderr)
	}
	return tab
}

func TestTimingsRun(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// The first command of a rootless user may create the pause
		// process; the table must be right either way.
		e.MustPod("ps")
		r := e.MustPod("--timings", "run", "--rm", "--network", "none", img, "echo", "hi")
		if r.Stdout != "hi\n" {
			t.Fatalf("stdout = %q: the table must go to stderr only", r.Stdout)
		}
		tab := parseTimings(t, r.Stderr)
		want := []string{"config", "DB", "storage open", "image resolve", "rootfs create", "mount",
			"spec", "monitor", "runtime create/start", "wait", "cleanup"}
		if e.Rootless() {
			want = append([]string{"rootless join"}, want...)
		}
		for _, p := range want {
			if _, ok := tab.ms[p]; !ok {
				t.Errorf("no %q phase in the run's timings (phases %q)", p, tab.phases)
			}
		}
		// The phases and the rest make up the whole, up to rounding.
		var sum, shares float64
		for _, p := range append(tab.phases, "other") {
			sum += tab.ms[p]
			shares += tab.share[p]
		}
		total := tab.ms["total"]
		if total <= 0 || sum < total-0.1*float64(len(tab.phases)+1) || sum > total+0.1*float64(len(tab.phases)+1) {
			t.Errorf("phases add up to %.1fms, total says %.1fms:\n%s", sum, total, r.Stderr)
		}
		if shares < 99 || shares > 101 {
			t.Errorf("shares add up to %.1f%%:\n%s", shares, r.Stderr)
		}
		// The runtime's time is measured inside the monitor's.
		if tab.ms["runtime create/start"] <= 0 {
			t.Errorf("runtime create/start took no time:\n%s", r.Stderr)
		}
	})
}

func TestTimingsFromEnvAndOnFailure(t *testing.T) {
	e := NewEnv(t, false)
	img := pulled(t, e)
	e.ExtraEnv = append(e.ExtraEnv, "POD_TIMINGS=1")
	r := e.Pod("run", "--rm", "--network", "none", img, "sh", "-c", "exit 3")
	if r.Code != 3 {
		t.Fatalf("exit code = %d, want the container's 3\n%s", r.Code, r.Stderr)
	}
	parseTimings(t, r.Stderr)
	// An engine error still prints its message, then the table.
	r = e.Pod("inspect", "no-such-thing")
	if r.Code != 125 || !strings.Contains(r.Stderr, "no-such-thing") {
		t.Fatalf("inspect of a missing object: code %d\n%s", r.Code, r.Stderr)
	}
	parseTimings(t, r.Stderr)
	// Without either, nothing.
	e.ExtraEnv = nil
	if r := e.MustPod("ps"); strings.Contains(r.Stderr, "PHASE") {
		t.Fatalf("ps printed timings unasked:\n%s", r.Stderr)
	}
}
