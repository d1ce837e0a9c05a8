package e2e

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// makeUnitPod creates pod NAME with two containers, NAME-a and NAME-b,
// each running sleep (which ignores SIGTERM as PID 1: their 2 s stop
// timeout ends them).
func makeUnitPod(t *testing.T, e *Env, name string, b ...string) {
	t.Helper()
	img := suite.images.Busybox
	e.MustPod("pull", "-q", img)
	e.MustPod("pod", "create", "--name", name)
	e.MustPod("create", "--pod", name, "--name", name+"-a", "--stop-timeout", "2", img, "sleep", "1000")
	if len(b) == 0 {
		b = []string{img, "sleep", "1000"}
	}
	e.MustPod(append([]string{"run", "-d", "--pod", name, "--name", name + "-b", "--stop-timeout", "2"}, b...)...)
}

// podUnitLine is a unit's command line with %t, the manager's runtime
// directory, as dir.
func podUnitLine(t *testing.T, u unitFile, key, dir string) string {
	t.Helper()
	return strings.ReplaceAll(u.one(t, key), "%t", dir)
}

// TestGenerateSystemdPod generates the units of a pod with --new --files:
// the pod's unit wants and comes before its containers' units, which are
// bound to it, systemd-analyze accepts them, and their commands, run by
// hand in systemd's order, create the pod and its containers and remove
// them again.
func TestGenerateSystemdPod(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		makeUnitPod(t, e, "sdp")
		r := e.MustPod("generate", "systemd", "--new", "--name", "--files", "--stop-timeout", "3", "sdp")
		want := []string{"pod-sdp.service", "container-sdp-a.service", "container-sdp-b.service"}
		paths := strings.Fields(r.Stdout)
		if len(paths) != len(want) {
			t.Fatalf("--files printed %q, want %v", r.Stdout, want)
		}
		for i, p := range paths {
			if p != filepath.Join(e.Dir, want[i]) {
				t.Errorf("path %d is %s, want %s", i, p, want[i])
			}
			verifyUnit(t, p)
		}
		pu := readUnit(t, paths[0])
		ctrs := "container-sdp-a.service container-sdp-b.service"
		if got := pu["Wants"]; len(got) != 2 || got[1] != ctrs {
			t.Errorf("pod unit Wants= %q, want network-online.target then %s", got, ctrs)
		}
		for k, v := range map[string]string{"Before": ctrs, "Type": "forking", "PIDFile": "%t/pod-sdp.pid", "TimeoutStopSec": "63"} {
			if got := pu.one(t, k); got != v {
				t.Errorf("pod unit %s=%s, want %s", k, got, v)
			}
		}
		var cu []unitFile
		for _, p := range paths[1:] {
			u := readUnit(t, p)
			if u.one(t, "BindsTo") != "pod-sdp.service" || !strings.Contains(strings.Join(u["After"], " "), "pod-sdp.service") {
				t.Errorf("%s is not bound to the pod's unit: BindsTo=%v After=%v", p, u["BindsTo"], u["After"])
			}
			if !strings.Contains(u.one(t, "ExecStart"), " --pod-id-file %t/pod-sdp.pod-id ") {
				t.Errorf("%s does not join the unit's pod: %s", p, u.one(t, "ExecStart"))
			}
			cu = append(cu, u)
		}

		// The unit makes the pod anew: the one that exists is replaced.
		oldID := out(e.MustPod("pod", "inspect", "-f", "{{.Id}}", "sdp"))
		run := func(u unitFile, key string) { runExec(t, e, podUnitLine(t, u, key, e.Dir)) }
		run(pu, "ExecStartPre")
		run(pu, "ExecStart")
		id, err := os.ReadFile(filepath.Join(e.Dir, "pod-sdp.pod-id"))
		if err != nil || len(id) == 0 || string(id) == oldID {
			t.Fatalf("pod ID file %q (%v): want a new pod's ID (old %s)", id, err, oldID)
		}
		infra := out(e.MustPod("pod", "inspect", "-f", "{{.InfraContainerID}}", "sdp"))
		if s := sdState(t, e, infra); !s.Running {
			t.Fatalf("after the pod unit's ExecStart its infra container does not run: %+v", s)
		} else if b, _ := os.ReadFile(filepath.Join(e.Dir, "pod-sdp.pid")); strings.TrimSpace(string(b)) != itoa(s.ConmonPid) {
			t.Errorf("PIDFile holds %q, want the infra container's monitor %d", b, s.ConmonPid)
		}
		for _, u := range cu {
			run(u, "ExecStartPre")
			run(u, "ExecStart")
		}
		members := out(e.MustPod("pod", "inspect", "-f", "{{.Id}}{{range .Containers}} {{.Name}}={{.State}}{{end}}", "sdp"))
		for _, w := range []string{string(id) + " ", " sdp-a=running", " sdp-b=running"} {
			if !strings.Contains(members+" ", w) {
				t.Errorf("pod and members %q, want %q", members, w)
			}
		}

		// systemd stops the containers' units first, then the pod's.
		began := time.Now()
		for _, u := range cu {
			run(u, "ExecStop")
			run(u, "ExecStopPost")
		}
		run(pu, "ExecStop")
		run(pu, "ExecStopPost")
		if d := time.Since(began); d > 60*time.Second {
			t.Errorf("stopping took %v", d)
		}
		if r := e.Pod("pod", "exists", "sdp"); r.Code != 1 {
			t.Errorf("after the pod unit's ExecStopPost the pod is still there (exists: %d)", r.Code)
		}
		if r := e.Pod("container", "exists", "sdp-a"); r.Code != 1 {
			t.Errorf("after ExecStopPost container sdp-a is still there (exists: %d)", r.Code)
		}
	})
}

// TestGenerateSystemdPodExisting: without --new the pod's unit starts and
// stops the existing pod's infra container, whose monitor's PID file it
// names, and --format json gives every unit by name.
func TestGenerateSystemdPodExisting(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		makeUnitPod(t, e, "sdq")
		e.MustPod("pod", "stop", "-t", "0", "sdq")
		r := e.MustPod("generate", "systemd", "--pod-prefix", "p", "--container-prefix", "c", "--separator", "_", "--no-header", "--format", "json", "sdq")
		units := map[string]string{}
		if err := json.Unmarshal([]byte(r.Stdout), &units); err != nil {
			t.Fatalf("--format json printed %q: %v", r.Stdout, err)
		}
		podID := out(e.MustPod("pod", "inspect", "-f", "{{.Id}}", "sdq"))
		pod := units["p_"+podID+".service"]
		if pod == "" || len(units) != 3 {
			t.Fatalf("units %v, want p_%s.service and two c_ID.service", units, podID)
		}
		path := e.WriteFile("p_"+podID+".service", []byte(pod))
		u := readUnit(t, path)
		infra := out(e.MustPod("pod", "inspect", "-f", "{{.InfraContainerID}}", "sdq"))
		runExec(t, e, u.one(t, "ExecStart"))
		s := sdState(t, e, infra)
		if !s.Running {
			t.Fatalf("after ExecStart the infra container does not run: %+v", s)
		}
		if b, err := os.ReadFile(u.one(t, "PIDFile")); err != nil || strings.TrimSpace(string(b)) != itoa(s.ConmonPid) {
			t.Errorf("PIDFile %s holds %q (%v), want the infra monitor %d", u.one(t, "PIDFile"), b, err, s.ConmonPid)
		}
		runExec(t, e, u.one(t, "ExecStop"))
		if s := sdState(t, e, infra); s.Running {
			t.Errorf("after ExecStop the infra container runs")
		}
		e.Pod("generate", "systemd", "--template", "sdq").Fails(t, 125, "--template is not supported for pods")
		e.Pod("generate", "systemd", "sd-nothing").Fails(t, 125, "sd-nothing does not refer to a container or pod")
		e.MustPod("pod", "rm", "-f", "-t", "0", "sdq")
	})
}

// TestSystemdPodUnitsUnderSystemd runs the `generate systemd --new` units
// of a pod under the real service manager (the VM's): starting the pod's
// unit brings up the pod and both containers' units; one container, whose
// unit has a .socket unit, accepts on the socket it received; killing the
// other's process makes systemd restart that container's unit in the pod;
// stopping the pod's unit stops and removes everything within its stop
// timeout.
func TestSystemdPodUnitsUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		m := serviceManager(t, e)
		img := suite.images.Busybox
		helperArgs, helper := sdlistenRun(t)
		makeUnitPod(t, e, "sd-vm-pod", append(append(helperArgs, img), helper...)...)
		r := e.MustPod("generate", "systemd", "--new", "--name", "--files", "--restart-policy", "always", "--restart-sec", "1", "--stop-timeout", "3", "sd-vm-pod")
		e.MustPod("pod", "rm", "-f", "-t", "0", "sd-vm-pod")
		t.Cleanup(func() { e.Pod("pod", "rm", "-f", "-t", "0", "sd-vm-pod") })
		podUnit, aUnit, bUnit := "pod-sd-vm-pod.service", "container-sd-vm-pod-a.service", "container-sd-vm-pod-b.service"
		for _, p := range strings.Fields(r.Stdout) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m.install(t, filepath.Base(p), string(b))
		}
		addr := activationPort(e, 20)
		m.install(t, "container-sd-vm-pod-b.socket", "[Unit]\nDescription=pod socket activation of a pod's container\n\n[Socket]\nListenStream="+addr+"\nFileDescriptorName=web\n")
		m.must(t, "start", "container-sd-vm-pod-b.socket")
		why := func() string { return m.journal(t, podUnit) + m.journal(t, aUnit) + m.journal(t, bUnit) }

		m.must(t, "start", podUnit)
		// The containers' units come up after the pod's (Wants=, Before=).
		running := func(unit, ctr, notPID string) bool {
			got, _ := m.ctl(t, "is-active", unit)
			r := e.Pod("inspect", "-f", "{{.State.Running}} {{.State.Pid}}", ctr)
			return got == "active" && r.Code == 0 && strings.HasPrefix(out(r), "true ") && out(r) != "true "+notPID
		}
		waitFor := func(what string, ok func() bool) {
			t.Helper()
			// Slow guests (TCG) take their time to start a container.
			for deadline := time.Now().Add(5 * time.Minute); !ok(); time.Sleep(500 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: not within 5 minutes\n%s", what, why())
				}
			}
		}
		waitFor("both containers' units active", func() bool {
			return running(aUnit, "sd-vm-pod-a", "") && running(bUnit, "sd-vm-pod-b", "")
		})
		infra := out(e.MustPod("pod", "inspect", "-f", "{{.InfraContainerID}}", "sd-vm-pod"))
		if s := sdState(t, e, infra); !s.Running || m.must(t, "show", "-P", "MainPID", podUnit) != itoa(s.ConmonPid) {
			t.Errorf("the pod unit's MainPID %s, want the infra container's monitor (%+v)", m.must(t, "show", "-P", "MainPID", podUnit), s)
		}

		// The socket unit's socket reached container b through its unit.
		if line := answer(t, addr, why); !strings.HasPrefix(line, "fd=3 name=web pid=1 LISTEN_FDS=1 ") {
			t.Errorf("the pod's socket-activated container answered %q\n%s", line, why())
		}
		// b exits after one answer: Restart= brings it back.
		waitFor("container b restarted after answering", func() bool { return running(bUnit, "sd-vm-pod-b", "") })

		pid := out(e.MustPod("inspect", "-f", "{{.State.Pid}}", "sd-vm-pod-a"))
		n, _ := strconv.Atoi(pid)
		if err := syscall.Kill(n, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %s: %v", pid, err)
		}
		waitFor("container a restarted after the kill", func() bool { return running(aUnit, "sd-vm-pod-a", pid) })
		if got := m.must(t, "show", "-P", "NRestarts", aUnit); got == "0" {
			t.Errorf("NRestarts of %s is 0 after the kill", aUnit)
		}
		if got, _ := m.ctl(t, "is-active", podUnit); got != "active" {
			t.Errorf("the pod's unit is %q after a container's restart", got)
		}

		start := time.Now()
		m.must(t, "stop", podUnit)
		if took, limit := time.Since(start), stopTimeout(m.must(t, "cat", podUnit)); took > limit {
			t.Errorf("systemctl stop took %s, more than the pod unit's stop timeout %s", took, limit)
		}
		for _, u := range []string{podUnit, aUnit, bUnit} {
			if got, _ := m.ctl(t, "is-active", u); got != "inactive" {
				t.Errorf("after stopping the pod's unit %s is %q", u, got)
			}
			if j := m.journal(t, u); strings.Contains(j, "State 'stop-sigterm' timed out") || strings.Contains(j, "stop-final-sigterm") {
				t.Errorf("systemd had to kill %s:\n%s", u, j)
			}
		}
		if r := e.Pod("pod", "exists", "sd-vm-pod"); r.Code != 1 {
			t.Errorf("the pod is still there after systemctl stop (exists: %d)", r.Code)
		}
	})
}

// TestPodStartSocketActivationWarns: podman's pod start and kube play have
// no socket activation (only the first container such a podman starts
// inherits the sockets, by accident); socket-activated, pod pod start
// passes the sockets to no container of the pod and says so.
func TestPodStartSocketActivationWarns(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.MustPod("pod", "create", "--name", "sa-pod")
		e.MustPod("create", "--pod", "sa-pod", "--name", "sa-pod-c", img, "sh", "-c",
			`echo ${LISTEN_FDS:-unset}; if test -e /proc/self/fd/3; then echo fd3; else echo no-fd3; fi`)
		addr := activationPort(e, 30)
		a := socketActivated(t, e, []string{"-l", addr}, "pod", "start", "sa-pod")
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				defer c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("nothing listens on %s: %v", addr, err)
			}
		}
		if err := a.wait(); err != nil {
			t.Fatalf("activated pod pod start: %v\n%s", err, a.stderr.String())
		}
		if !strings.Contains(a.stderr.String(), "ignoring LISTEN_FDS: pod start passes socket-activated sockets to no container") {
			t.Errorf("pod pod start said %q, want the warning", a.stderr.String())
		}
		e.MustPod("wait", "sa-pod-c")
		if got := e.MustPod("logs", "sa-pod-c").Stdout; got != "unset\nno-fd3\n" {
			t.Errorf("the pod's container saw %q, want no sockets", got)
		}
		e.MustPod("pod", "rm", "-f", "-t", "0", "sa-pod")
	})
}
