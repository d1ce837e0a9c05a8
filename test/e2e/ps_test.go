package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

var containerIDRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// runID runs `pod args...` (a run -d or create) and returns the container
// ID it printed.
func runID(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	r := e.MustPod(args...)
	id := strings.TrimSpace(r.Stdout)
	if !containerIDRe.MatchString(id) {
		t.Fatalf("pod %s printed %q, want a container ID", strings.Join(args, " "), r.Stdout)
	}
	return id
}

// settled waits until the exit of a container that `pod run` has just
// returned from is recorded: run returns once the monitor has written the
// exit file, while the monitor itself may still be alive (and the container
// still shows as running) until its cleanup has recorded the exit.
// TODO(containers): have run return only once the exit is recorded; then
// this wait goes and the tests check ps and inspect right after run.
func settled(t *testing.T, e *Env, name string) {
	t.Helper()
	for i := 0; i < 300; i++ {
		r := e.MustPod("inspect", "-f", "{{.State.FinishedAt}}", name)
		if strings.TrimSpace(r.Stdout) != "0001-01-01T00:00:00Z" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the exit of %s was never recorded", name)
}

// psColumns splits a ps table line at runs of two or more spaces.
func psColumns(line string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

// TestPs checks ps's columns, -a, -q, -l, -n, --no-trunc, --filter and
// --format against a running, a created and an exited container.
func TestPs(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		top := runID(t, e, "run", "-d", "--name", "top", "-l", "app=web", "-l", "tier=front", img, "sleep", "1000")
		made := runID(t, e, "create", "--name", "made", "-l", "app=batch", img, "echo", "a-long-argument-for-truncation")
		done := e.Pod("run", "--name", "done", img, "sh", "-c", "exit 3")
		if done.Code != 3 {
			t.Fatalf("run exit 3: code %d, stderr %s", done.Code, done.Stderr)
		}
		settled(t, e, "done")
		doneID := strings.TrimSpace(e.MustPod("ps", "-aq", "--no-trunc", "--filter", "name=^done$").Stdout)

		// Default: the header and running containers only.
		lines := e.MustPod("ps").Lines()
		if len(lines) != 2 {
			t.Fatalf("ps printed %q, want a header and one row", lines)
		}
		if got, want := psColumns(lines[0]), []string{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("header %q, want %q", got, want)
		}
		row := psColumns(lines[1])
		if len(row) != 6 || row[0] != top[:12] || row[1] != img || row[2] != "sleep 1000" ||
			!strings.HasSuffix(row[3], " ago") || !strings.HasPrefix(row[4], "Up ") || row[5] != "top" {
			t.Fatalf("row %q: want ID, image, command, created, Up ..., name", row)
		}

		// -a: newest first, with podman's status words.
		lines = e.MustPod("ps", "-a").Lines()
		if len(lines) != 4 {
			t.Fatalf("ps -a printed %q, want a header and three rows", lines)
		}
		want := []struct{ id, status, cmd string }{
			{doneID[:12], "Exited (3) ", "sh -c exit 3"},
			{made[:12], "Created", "echo a-long-argum..."},
			{top[:12], "Up ", "sleep 1000"},
		}
		for i, w := range want {
			l := lines[i+1]
			if !strings.HasPrefix(l, w.id+"  ") || !strings.Contains(l, "  "+w.status) || !strings.Contains(l, "  "+w.cmd+"  ") {
				t.Errorf("ps -a row %d %q: want ID %s, status %q, command %q", i, l, w.id, w.status, w.cmd)
			}
		}
		if !strings.Contains(lines[1], " ago  ") || !regexp.MustCompile(`Exited \(3\) .* ago`).MatchString(lines[1]) {
			t.Errorf("exited row %q lacks 'Exited (3) ... ago'", lines[1])
		}

		// --no-trunc prints full IDs and commands.
		r := e.MustPod("ps", "-a", "--no-trunc")
		if !strings.Contains(r.Stdout, made+"  ") || !strings.Contains(r.Stdout, "echo a-long-argument-for-truncation") {
			t.Errorf("ps -a --no-trunc:\n%s", r.Stdout)
		}

		// -s adds a SIZE column, read from the user's own storage.
		lines = e.MustPod("ps", "-s").Lines()
		if !strings.HasSuffix(lines[0], "SIZE") || !strings.Contains(lines[1], "(virtual ") {
			t.Errorf("ps -s: %q", lines)
		}
		if e.Rootless() {
			// What follows (-q, -l, -n, filters, templates, bad input)
			// works on the rows above the same way for any user: the
			// root run covers it, and the suite stays quick.
			return
		}

		// -q, -l, -n.
		check := func(args []string, want ...string) {
			t.Helper()
			got := e.MustPod(args...).Lines()
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("pod %s: %q, want %q", strings.Join(args, " "), got, want)
			}
		}
		check([]string{"ps", "-q"}, top[:12])
		check([]string{"ps", "-q", "--no-trunc"}, top)
		check([]string{"ps", "-aq"}, doneID[:12], made[:12], top[:12])
		check([]string{"ps", "-q", "-l"}, doneID[:12])
		check([]string{"ps", "-q", "-n", "2"}, doneID[:12], made[:12])

		// Filters: values of one key are alternatives, keys combine.
		names := func(filters ...string) []string {
			return append([]string{"ps", "-a", "--format", "{{.Names}}"}, filters...)
		}
		check(names("--filter", "name=o"), "done", "top")
		check(names("--filter", "name=^top$"), "top")
		check(names("--filter", "id="+made[:6]), "made")
		check(names("--filter", "label=app"), "made", "top")
		check(names("--filter", "label=app=web"), "top")
		check(names("--filter", "label=app", "--filter", "label=tier=front"), "top")
		check(names("--filter", "status=exited", "--filter", "status=created"), "done", "made")
		check(names("--filter", "exited=3"), "done")
		check(names("--filter", "ancestor="+img), "done", "made", "top")
		check(names("--filter", "ancestor=nosuchimage"))
		check(names("--filter", "before=made"), "top")
		check(names("--filter", "since=made"), "done")
		// status= lists stopped containers without -a.
		check([]string{"ps", "--filter", "status=exited", "--format", "{{.Names}} {{.State}}"}, "done exited")

		// Templates: plain, table with a header, json.
		check([]string{"ps", "--format", "{{.ID}} {{.Image}} {{.Command}} {{.Names}} {{.Label \"app\"}} {{.Labels}}"},
			top[:12]+" "+img+" sleep 1000 top web app=web,tier=front")
		lines = e.MustPod("ps", "-a", "--format", "table {{.Names}}\t{{.State}}").Lines()
		if len(lines) != 4 || strings.Join(psColumns(lines[0]), "|") != "NAMES|STATE" || strings.Join(psColumns(lines[2]), "|") != "made|created" {
			t.Errorf("table format: %q", lines)
		}
		lines = e.MustPod("ps", "--format", "table {{.Names}}\t{{.Label \"app\"}}").Lines()
		if len(lines) != 2 || strings.Join(psColumns(lines[0]), "|") != "NAMES|LABEL" || strings.Join(psColumns(lines[1]), "|") != "top|web" {
			t.Errorf("table format with .Label: %q", lines)
		}
		var row1 map[string]string
		if err := json.Unmarshal([]byte(e.MustPod("ps", "--format", "{{json .}}").Stdout), &row1); err != nil || row1["ID"] != top[:12] || row1["Names"] != "top" || !strings.HasPrefix(row1["Status"], "Up ") {
			t.Errorf("ps --format '{{json .}}': %v %v", row1, err)
		}
		var js []map[string]any
		r = e.MustPod("ps", "-a", "--format", "json")
		if err := json.Unmarshal([]byte(r.Stdout), &js); err != nil || len(js) != 3 {
			t.Fatalf("ps --format json: %v\n%s", err, r.Stdout)
		}
		if js[0]["Id"] != doneID || js[0]["State"] != "exited" || js[0]["ExitCode"] != float64(3) || js[2]["Names"].([]any)[0] != "top" {
			t.Errorf("ps json: %v", js)
		}

		// Bad input.
		e.Pod("ps", "--filter", "color=red").Fails(t, 125, "color")
		e.Pod("ps", "--filter", "status=sleeping").Fails(t, 125, "status")
		e.Pod("ps", "--filter", "before=nosuch").Fails(t, 125, "nosuch")
		e.Pod("ps", "-l", "-n", "2").Fails(t, 125, "mutually exclusive")
		e.Pod("ps", "--format", "{{.Nope}}").Fails(t, 125, "Nope")

		// After rm, ps no longer shows it; `container ls` and `list` are ps.
		e.MustPod("rm", "-f", "-t", "0", top)
		check([]string{"container", "ls", "-aq"}, doneID[:12], made[:12])
		check([]string{"container", "list", "-q"})
	})
}

// TestPsSortExternal: ps --sort orders by what it names, --noheading drops
// the header, and --external shows a container of storage that pod does
// not know (made here as buildah would) with the status Storage.
func TestPsSortExternal(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "fl-b", img, "true")
		e.MustPod("create", "--name", "fl-c", img, "true")
		e.MustPod("create", "--name", "fl-a", img, "true")
		if got := strings.Join(e.MustPod("ps", "-a", "--sort", "names", "--format", "{{.Names}}").Lines(), ","); got != "fl-a,fl-b,fl-c" {
			t.Errorf("ps --sort names: %s", got)
		}
		if got := strings.Join(e.MustPod("ps", "-a", "--format", "{{.Names}}").Lines(), ","); got != "fl-a,fl-c,fl-b" {
			t.Errorf("ps (newest first): %s", got)
		}
		if got := e.MustPod("ps", "-a", "--noheading").Lines(); len(got) != 3 || strings.HasPrefix(got[0], "CONTAINER ID") {
			t.Errorf("ps --noheading: %q", got)
		}
		e.Pod("ps", "--sort", "colour").Fails(t, 125, `invalid --sort "colour"`)
		if got := len(e.MustPod("ps", "-a", "--external", "-q").Lines()); got != 3 {
			t.Errorf("ps --external without external containers: %d rows, want 3", got)
		}
		if e.Rootless() {
			return // the test process cannot write rootless storage
		}
		imgID := out(e.MustPod("image", "inspect", "--format", "{{.Id}}", img))
		ext := storageContainer(t, e, imgID)
		r := e.MustPod("ps", "-a", "--external", "--format", "{{.ID}} {{.Status}}")
		if !strings.Contains(r.Stdout, ext[:12]+" Storage\n") {
			t.Errorf("ps --external does not show storage container %s: %q", ext[:12], r.Stdout)
		}
		if strings.Contains(e.MustPod("ps", "-a", "-q").Stdout, ext[:12]) {
			t.Errorf("ps without --external shows the storage container")
		}
	})
}

// TestPsNamespaces: ps --ns shows a running container's namespaces by
// inode, as podman's; those it shares with another (--ipc container:) are
// the same number.
func TestPsNamespaces(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "fl-ns1", img, "sleep", "1000")
		e.MustPod("run", "-d", "--name", "fl-ns2", "--ipc", "container:fl-ns1", img, "sleep", "1000")
		r := e.MustPod("ps", "--ns")
		lines := r.Lines()
		if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "CONTAINER ID NAMES PID CGROUPNS IPC MNT NET PIDNS USERNS UTS" {
			t.Fatalf("ps --ns:\n%s", r.Stdout)
		}
		ns := map[string][]string{}
		for _, n := range []string{"fl-ns1", "fl-ns2"} {
			f := strings.Fields(out(e.MustPod("ps", "--ns", "--noheading", "--filter", "name=^"+n+"$")))
			// ID NAMES PID then the namespaces; the cgroup one may be shared
			// with the host (cgroup v1): at least six numbers.
			if len(f) < 9 {
				t.Fatalf("ps --ns row of %s: %q", n, f)
			}
			ns[n] = f[len(f)-6:]
		}
		ipc1, ipc2 := ns["fl-ns1"][0], ns["fl-ns2"][0]
		if ipc1 != ipc2 || ns["fl-ns1"][4] != ns["fl-ns2"][4] {
			t.Errorf("fl-ns2 joined fl-ns1's IPC namespace: %v vs %v", ns["fl-ns1"], ns["fl-ns2"])
		}
		if ns["fl-ns1"][1] == ns["fl-ns2"][1] {
			t.Errorf("two containers share a mount namespace: %v vs %v", ns["fl-ns1"], ns["fl-ns2"])
		}
	})
}
