package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/state"
)

// openTest opens a Runtime on fresh roots with storage left closed, as
// container commands open it.
// fakeMonitorEnv makes this test binary sleep as a stand-in monitor.
const fakeMonitorEnv = "_POD_TEST_FAKE_MONITOR"

func TestMain(m *testing.M) {
	if os.Getenv(fakeMonitorEnv) != "" {
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func openTest(t *testing.T, graph, run string) *Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for the system storage configuration")
	}
	r, err := Open(context.Background(), Options{GraphRoot: graph, RunRoot: run, StorageDriver: "vfs", LazyStorage: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func addRow(t *testing.T, r *Runtime, name string, status state.Status, monitorPID int) *state.Container {
	t.Helper()
	row := &state.Container{ID: state.NewID(), Name: name, Config: []byte(`{"imageId":"x"}`), Status: status, MonitorPID: monitorPID}
	if err := r.db.Add(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	return row
}

func TestOpenAfterRebootMarksRunningExited(t *testing.T) {
	dir := t.TempDir()
	graph, run := filepath.Join(dir, "graph"), filepath.Join(dir, "run")
	r := openTest(t, graph, run)
	running := addRow(t, r, "running", state.StatusRunning, os.Getpid())
	paused := addRow(t, r, "paused", state.StatusPaused, os.Getpid())
	created := addRow(t, r, "created", state.StatusCreated, 0)
	r.Close()

	// The same boot: nothing changes (the monitor PID is alive).
	r = openTest(t, graph, run)
	if c, err := r.db.Get(context.Background(), running.ID); err != nil || c.Status != state.StatusRunning {
		t.Fatalf("same boot: %v %v", c.Status, err)
	}
	r.Close()

	// Another boot recorded: every running or paused row becomes exited.
	recordOtherBoot(t, graph, run, "another-boot")
	r = openTest(t, graph, run)
	for _, tc := range []struct {
		id   string
		want state.Status
		code int
	}{{running.ID, state.StatusExited, unknownExitCode}, {paused.ID, state.StatusExited, unknownExitCode}, {created.ID, state.StatusCreated, 0}} {
		c, err := r.db.Get(context.Background(), tc.id)
		if err != nil || c.Status != tc.want || c.ExitCode != tc.code || (tc.want == state.StatusExited && (c.MonitorPID != 0 || c.FinishedAt.IsZero())) {
			t.Fatalf("%s after reboot: %+v %v", tc.id[:12], c, err)
		}
	}
	boot, _ := state.BootID()
	if recorded, _, err := r.db.RecordedBoot(context.Background()); err != nil || recorded != boot {
		t.Fatalf("boot id recorded: %q %v", recorded, err)
	}
}

// recordOtherBoot makes the roots look as if the last command ran in boot
// (a reboot since): in the DB, where pod records it, and in the run root,
// where it used to.
func recordOtherBoot(t *testing.T, graph, run, boot string) {
	t.Helper()
	db, err := state.Open(context.Background(), filepath.Join(graph, "pod", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetMeta(context.Background(), state.BootKey, boot); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(run, "pod"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "pod", "boot-id"), []byte(boot+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// firstCommandEnv makes the test binary act as one more pod process, the
// first command of a boot: once its stdin closes (so that all start at
// once) it opens the Runtime on GRAPH:RUN, then starts
// container ID under its lock (recording a monitor PID of its own) and
// appends that PID to LOG, still under the lock.
const firstCommandEnv = "POD_ENGINE_TEST_FIRST_COMMAND" // GRAPH:RUN:ID:LOG

// TestFirstCommandHelper is not a test: it is the first command that
// TestRebootSweepRacesStart runs in processes of its own.
func TestFirstCommandHelper(t *testing.T) {
	v := os.Getenv(firstCommandEnv)
	if v == "" {
		t.Skip("a helper process of TestRebootSweepRacesStart")
	}
	if err := firstCommand(strings.Split(v, ":")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func firstCommand(args []string) error {
	ctx := context.Background()
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	r, err := Open(ctx, Options{GraphRoot: args[0], RunRoot: args[1], StorageDriver: "vfs", LazyStorage: true})
	if err != nil {
		return err
	}
	defer r.Close()
	if args[4] == "ps" {
		return nil
	}
	l, err := r.lockContainer(ctx, args[2])
	if err != nil {
		return err
	}
	defer l.Release()
	c, err := r.get(ctx, args[2])
	if err != nil {
		return err
	}
	c.Status, c.MonitorPID = state.StatusRunning, os.Getpid()
	if err := r.db.Update(ctx, c.Container); err != nil {
		return err
	}
	f, err := os.OpenFile(args[3], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintln(f, os.Getpid())
	return err
}

// TestRebootSweepRacesStart runs several first commands after a reboot at
// once (processes, as pod's are), each starting the container once its
// Runtime is open, under the container's lock as Start does. A sweep from
// a stale list must never land after one of those starts: the container
// ends running, with the monitor of the last start.
func TestRebootSweepRacesStart(t *testing.T) {
	dir := t.TempDir()
	graph, run := filepath.Join(dir, "graph"), filepath.Join(dir, "run")
	r := openTest(t, graph, run)
	ctx := context.Background()
	row := addRow(t, r, "web", state.StatusRunning, 1)
	// Many more that ran at the reboot make a sweep take a while, which
	// would give a sweep from a stale list time to overwrite a start.
	for i := 0; i < 500; i++ {
		addRow(t, r, fmt.Sprintf("other-%d", i), state.StatusRunning, 1)
	}
	r.Close()
	for round := 0; round < 5; round++ {
		if round > 0 {
			db, err := state.Open(ctx, filepath.Join(graph, "pod", "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.List(ctx)
			for _, c := range rows {
				c.Status = state.StatusRunning
				if err == nil {
					err = db.Update(ctx, c)
				}
			}
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		recordOtherBoot(t, graph, run, fmt.Sprintf("boot-%d", round))
		log := filepath.Join(dir, fmt.Sprintf("starts-%d", round))
		const n = 6
		cmds := make([]*exec.Cmd, n)
		gates := make([]io.WriteCloser, n)
		wantStarts := 0
		var err error
		for i := range cmds {
			cmds[i] = exec.Command(os.Args[0], "-test.run=^TestFirstCommandHelper$")
			// Some are like `pod ps`: they sweep and start nothing.
			verb := "start"
			if i%2 == 0 && i > 0 {
				verb = "ps"
			} else {
				wantStarts++
			}
			cmds[i].Env = append(os.Environ(), firstCommandEnv+"="+strings.Join([]string{graph, run, row.ID, log, verb}, ":"))
			cmds[i].Stderr = os.Stderr
			gates[i], err = cmds[i].StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			ready, err := cmds[i].StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
			if _, err := ready.Read(make([]byte, 6)); err != nil {
				t.Fatalf("first command not ready: %v", err)
			}
		}
		// One first command goes ahead; the others come while it sweeps.
		gates[0].Close()
		time.Sleep(20 * time.Millisecond)
		for _, g := range gates[1:] {
			g.Close()
		}
		for _, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("first command: %v", err)
			}
		}
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		starts := strings.Fields(string(b))
		h := openTest(t, graph, run)
		got, err := h.db.Get(ctx, row.ID)
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(starts) != wantStarts || got.Status != state.StatusRunning || strconv.Itoa(got.MonitorPID) != starts[len(starts)-1] {
			t.Fatalf("round %d: container %s with monitor %d after the first commands; want running with monitor %s (the last of the starts %v)",
				round, got.Status, got.MonitorPID, starts[len(starts)-1], starts)
		}
	}
}

// TestOpenWithAnotherRunRoot opens the same graph root with a run root that
// has no boot id recorded (another XDG_RUNTIME_DIR, an emptied directory):
// that is no reboot, and what the DB says runs is left to reconcile.
func TestOpenWithAnotherRunRoot(t *testing.T) {
	dir := t.TempDir()
	graph := filepath.Join(dir, "graph")
	r := openTest(t, graph, filepath.Join(dir, "run"))
	running := addRow(t, r, "running", state.StatusRunning, os.Getpid())
	r.Close()

	r = openTest(t, graph, filepath.Join(dir, "other-run"))
	if c, err := r.db.Get(context.Background(), running.ID); err != nil || c.Status != state.StatusRunning {
		t.Fatalf("another run root: %v %v, want running", c.Status, err)
	}
}

// TestRunRootPinned checks that without an explicit run root, the one the
// DB recorded is used while it exists, and an explicit one wins.
func TestRunRootPinned(t *testing.T) {
	dir := t.TempDir()
	graph, run := filepath.Join(dir, "graph"), filepath.Join(dir, "run")
	openTest(t, graph, run).Close()

	r, err := Open(context.Background(), Options{GraphRoot: graph, StorageDriver: "vfs", LazyStorage: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, got := r.Roots(); got != run {
		t.Errorf("default run root: %s, want the recorded %s", got, run)
	}
	r.Close()

	other := filepath.Join(dir, "explicit")
	r = openTest(t, graph, other)
	if _, got := r.Roots(); got != other {
		t.Errorf("explicit run root: %s, want %s", got, other)
	}
	r.Close()
}

func TestContainersReconcilesDeadMonitor(t *testing.T) {
	dir := t.TempDir()
	r := openTest(t, filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	// A PID that is not a pod-conmon: this test process.
	dead := addRow(t, r, "dead", state.StatusRunning, os.Getpid())
	addRow(t, r, "exited", state.StatusExited, 0)
	ctrs, err := r.Containers(context.Background())
	if err != nil || len(ctrs) != 2 {
		t.Fatalf("Containers: %d, %v", len(ctrs), err)
	}
	for _, c := range ctrs {
		if c.Status != state.StatusExited {
			t.Fatalf("%s shows as %s", c.Name, c.Status)
		}
	}
	c, err := r.Container(context.Background(), dead.ID[:12])
	if err != nil || c.Status != state.StatusExited || c.ExitCode != unknownExitCode {
		t.Fatalf("Container after reconcile: %+v %v", c, err)
	}
	// Reconciliation was recorded, not just shown.
	row, err := r.db.Get(context.Background(), dead.ID)
	if err != nil || row.Status != state.StatusExited || row.FinishedAt.After(time.Now()) {
		t.Fatalf("row after reconcile: %+v %v", row, err)
	}
	if _, err := r.Container(context.Background(), "nosuch"); err == nil || err.Error() != `no container with name or ID "nosuch" found: no such container` {
		t.Fatalf("unknown container: %v", err)
	}
}

// TestReconcileShowsExitBeforeCleanup: while the monitor runs the cleanup
// command, its container is gone and the exit file says how it ended; a
// reader sees that (without recording it, which is the cleanup's job), not
// a container still running with exit code 0.
func TestReconcileShowsExitBeforeCleanup(t *testing.T) {
	dir := t.TempDir()
	r := openTest(t, filepath.Join(dir, "graph"), filepath.Join(dir, "run"))
	ctx := context.Background()

	// Live processes that are pod-conmon by name and carry the
	// container's ID, standing in for the monitors (this test binary,
	// under that name: see TestMain), and the PID of a process that has
	// exited.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, conmon.BinaryName)
	if err := os.Symlink(self, fake); err != nil {
		t.Fatal(err)
	}
	startMonitor := func(id string) int {
		monitor := exec.Command(fake, id)
		monitor.Env = append(os.Environ(), fakeMonitorEnv+"=1")
		if err := monitor.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { monitor.Process.Kill(); monitor.Wait() })
		return monitor.Process.Pid
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}

	st, err := r.storage()
	if err != nil {
		t.Fatal(err)
	}
	newRow := func(name string, pid int) *state.Container {
		sc, err := st.CreateContainer("", []string{name}, "", "", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		row := &state.Container{ID: sc.ID, Name: name, Config: []byte(`{"imageId":"x"}`), Status: state.StatusRunning,
			PID: pid, MonitorPID: startMonitor(sc.ID)}
		if err := r.db.Add(ctx, row); err != nil {
			t.Fatal(err)
		}
		exit, err := r.exitFile(sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(exit), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exit, []byte(`{"exitCode":137,"oomKilled":true,"finishedAt":"2026-01-02T03:04:05Z"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		return row
	}
	exited := newRow("exited", gone.Process.Pid)
	// Its process still runs (this test): an exit file cannot be its own.
	running := newRow("running", os.Getpid())

	c, err := r.Container(ctx, exited.ID)
	if err != nil || c.Status != state.StatusExited || c.ExitCode != 137 || !c.OOMKilled {
		t.Fatalf("exited container with a live monitor: %+v %v", c, err)
	}
	if row, err := r.db.Get(ctx, exited.ID); err != nil || row.Status != state.StatusRunning {
		t.Fatalf("the exit was recorded, not only shown: %+v %v", row, err)
	}
	if c, err := r.Container(ctx, running.ID); err != nil || c.Status != state.StatusRunning || c.ExitCode != 0 {
		t.Fatalf("running container: %+v %v", c, err)
	}
}
