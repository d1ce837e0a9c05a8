package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
	if err := os.WriteFile(filepath.Join(run, "pod", "boot-id"), []byte("another-boot\n"), 0o600); err != nil {
		t.Fatal(err)
	}
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
	if b, err := os.ReadFile(filepath.Join(run, "pod", "boot-id")); err != nil || string(b) != boot+"\n" {
		t.Fatalf("boot id recorded: %q %v", b, err)
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
