package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuadletKindsUnderSystemd: a .network, a .volume, a .pod and a
// .container in that pod using the volume, generated and installed into
// the real service manager. Starting only the container's unit brings up
// the others through the generated dependencies; the container runs in
// the pod, on the network, with the volume mounted; stopping its unit
// removes it. A .kube file's unit plays its YAML on start and takes the
// pod down on stop.
func TestQuadletKindsUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		m := serviceManager(t, e)
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		global := "GlobalArgs=--root " + e.Root + " --runroot " + e.RunRoot + "\n"
		subnet, prefix := "10.139.1.0/24", "10.139.1."
		if e.Rootless() {
			subnet, prefix = "10.139.2.0/24", "10.139.2."
		}
		// After the units' stops (cleanups run last first).
		t.Cleanup(func() {
			e.Pod("rm", "-f", "-t", "0", "sd-vm-kctr")
			e.Pod("pod", "rm", "-f", "-t", "0", "sd-vm-kpod")
			e.Pod("network", "rm", "-f", "sd-vm-knet")
			e.Pod("volume", "rm", "-f", "sd-vm-kvol")
		})
		dir := e.Mkdir("quadlet")
		e.WriteFile("quadlet/sd-vm-k.network", []byte("[Network]\nNetworkName=sd-vm-knet\nSubnet="+subnet+"\n"+global))
		e.WriteFile("quadlet/sd-vm-k.volume", []byte("[Volume]\nVolumeName=sd-vm-kvol\n"+global))
		e.WriteFile("quadlet/sd-vm-k.pod", []byte("[Pod]\nPodName=sd-vm-kpod\nNetwork=sd-vm-k.network\n"+global))
		e.WriteFile("quadlet/sd-vm-k.container", []byte("[Container]\nImage="+img+"\nPod=sd-vm-k.pod\nContainerName=sd-vm-kctr\n"+
			"Volume=sd-vm-k.volume:/data\nExec=sleep 1000\nStopTimeout=2\n"+global))
		e.WriteFile("quadlet/sd-vm-kube.yaml", []byte(`apiVersion: v1
kind: Pod
metadata:
  name: sd-vm-kube
spec:
  containers:
  - name: c
    image: `+img+`
    command: ["sleep", "1000"]
`))
		e.WriteFile("quadlet/sd-vm-kube.kube", []byte("[Kube]\nYaml=sd-vm-kube.yaml\n"+global))
		t.Cleanup(func() { e.Pod("pod", "rm", "-f", "-t", "0", "sd-vm-kube") })
		names := []string{"sd-vm-k-network.service", "sd-vm-k-volume.service", "sd-vm-k-pod.service", "sd-vm-k.service", "sd-vm-kube.service"}
		args := []string{"--dryrun"}
		if e.Rootless() {
			args = append(args, "--user")
		}
		stdout, stderr, code := runGenerator(t, e, dir, args...)
		if code != 0 {
			t.Fatalf("generator exit %d: %s", code, stderr)
		}
		units := dryrunUnits(stdout)
		texts := map[string]string{}
		for _, name := range names {
			text, ok := units[name]
			if !ok {
				t.Fatalf("no %s in:\n%s", name, stdout)
			}
			texts[name] = text
		}
		m.installAll(t, texts)
		for _, name := range names[:3] {
			if got, _ := m.ctl(t, "is-active", name); got == "active" {
				t.Fatalf("%s is active before the container's unit started", name)
			}
		}

		// The .kube file's unit plays its YAML on start and takes it down
		// on stop.
		m.must(t, "start", "sd-vm-kube.service")
		if got := out(e.MustPod("pod", "ps", "--filter", "name=sd-vm-kube", "--format", "{{.Name}} {{.Status}}")); got != "sd-vm-kube Running" {
			t.Errorf("after starting sd-vm-kube.service, pod ps: %q\n%s", got, m.journal(t, "sd-vm-kube.service"))
		}
		m.must(t, "stop", "sd-vm-kube.service")
		if r := e.Pod("pod", "exists", "sd-vm-kube"); r.Code != 1 {
			t.Errorf("the kube pod is still there after systemctl stop (exists: %d)", r.Code)
		}

		started := time.Now()
		m.must(t, "start", "sd-vm-k.service")
		t.Logf("systemctl start of the container's unit (and its dependencies): %s", time.Since(started).Round(time.Millisecond))
		for _, name := range names[:4] {
			if got, _ := m.ctl(t, "is-active", name); got != "active" {
				t.Errorf("after starting sd-vm-k.service, %s is %q\n%s", name, got, m.journal(t, name))
			}
		}
		if got := out(e.MustPod("pod", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.State}},{{end}} {{range .InfraConfig.Networks}}{{.}}{{end}}", "sd-vm-kpod")); !strings.Contains(got, "sd-vm-kctr running,") || !strings.HasSuffix(got, " sd-vm-knet") {
			t.Errorf("the pod's containers and networks: %q", got)
		}
		if got := out(e.MustPod("exec", "sd-vm-kctr", "ip", "-4", "-o", "addr")); !strings.Contains(got, " inet "+prefix) {
			t.Errorf("the container has no address in %s:\n%s", subnet, got)
		}
		e.MustPod("exec", "sd-vm-kctr", "sh", "-c", "echo from the unit > /data/f")
		if mp := out(e.MustPod("volume", "inspect", "-f", "{{.Mountpoint}}", "sd-vm-kvol")); mp == "" {
			t.Error("no volume mountpoint")
		} else if b, err := os.ReadFile(filepath.Join(mp, "f")); err != nil || string(b) != "from the unit\n" {
			t.Errorf("the container's write to the volume: %q (%v)", b, err)
		}

		m.must(t, "stop", "sd-vm-k.service")
		if got, _ := m.ctl(t, "is-active", "sd-vm-k.service"); got != "inactive" {
			t.Errorf("after stop, is-active says %q", got)
		}
		if r := e.Pod("container", "exists", "sd-vm-kctr"); r.Code != 1 {
			t.Errorf("the container is still there after systemctl stop (exists: %d)", r.Code)
		}
	})
}

// sdUnitCase is a container created with args, run by its generate
// systemd --new unit; slow: start must wait for the container's 3 s.
type sdUnitCase struct {
	name string
	args []string
	slow bool
}

// TestSdNotifyUnderSystemd: `generate systemd --new` units of containers
// created with --sdnotify=conmon and healthy, under the real service
// manager: systemctl start returns only once the container runs (conmon),
// once its healthcheck passed after 3 s (healthy).
func TestSdNotifyUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		runSdNotifyUnits(t, e, []sdUnitCase{
			{"sd-vm-conmon", []string{"--sdnotify=conmon", img, "sleep", "1000"}, false},
			{"sd-vm-healthy", []string{"--sdnotify=healthy", "--health-cmd", "test -e /tmp/ok", "--health-interval", "1s",
				img, "sh", "-c", "sleep 3; touch /tmp/ok; exec sleep 1000"}, true},
		})
	})
}

// TestSdNotifyContainerUnderSystemd: --sdnotify=container under the real
// service manager, the container's own process sending READY=1 after 3 s.
// The datagram comes from a PID in the container's scope, outside the
// unit's cgroup, which systemd drops even with NotifyAccess=all: it
// reaches systemd only because the monitor proxies the socket and passes
// the message on as the unit's main PID.
func TestSdNotifyContainerUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		serviceManager(t, e)
		helperArgs, helper := selfRun(t, sdnotifyEnv)
		runSdNotifyUnits(t, e, []sdUnitCase{
			{"sd-vm-ctr", append(append(append([]string{"--sdnotify=container"}, helperArgs...), suite.images.Busybox), append(helper, "READY=1", "STATUS=from the container")...), true},
		})
	})
}

// runSdNotifyUnits installs the cases' units and starts each: what holds
// the moment systemctl start returns.
func runSdNotifyUnits(t *testing.T, e *Env, cases []sdUnitCase) {
	t.Helper()
	m := serviceManager(t, e)
	e.MustPod("pull", "-q", suite.images.Busybox)
	texts := map[string]string{}
	for _, c := range cases {
		e.MustPod(append([]string{"create", "--name", c.name, "--stop-timeout", "2"}, c.args...)...)
		texts[c.name+".service"] = e.MustPod("generate", "systemd", "--new", "--name", c.name).Stdout
		e.MustPod("rm", c.name)
		name := c.name
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", name) })
	}
	m.installAll(t, texts)
	for _, c := range cases {
		unit := c.name + ".service"
		started := time.Now()
		m.must(t, "start", unit)
		took := time.Since(started)
		t.Logf("systemctl start %s: %s", unit, took.Round(time.Millisecond))
		// What holds the moment start returned.
		s := sdState(t, e, c.name)
		health := ""
		if c.name == "sd-vm-healthy" {
			health = out(e.MustPod("inspect", "-f", "{{.State.Health.Status}}", c.name))
		}
		if got, _ := m.ctl(t, "is-active", unit); got != "active" {
			t.Errorf("after start, %s is %q\n%s", unit, got, m.journal(t, unit))
		}
		if !s.Running {
			t.Errorf("systemctl start %s returned, the container does not run: %+v", unit, s)
		}
		if got := m.must(t, "show", "-P", "MainPID", unit); got != itoa(s.ConmonPid) {
			t.Errorf("%s: MainPID %s, want the monitor %d", unit, got, s.ConmonPid)
		}
		if c.slow && took < sdnotifyDelay-500*time.Millisecond {
			t.Errorf("systemctl start %s returned after %s, before the container's 3 s", unit, took)
		}
		switch c.name {
		case "sd-vm-ctr":
			if got := m.must(t, "show", "-P", "StatusText", unit); got != "from the container" {
				t.Errorf("%s: StatusText %q, want the container's own message", unit, got)
			}
		case "sd-vm-healthy":
			if health != "healthy" {
				t.Errorf("systemctl start %s returned with the container's health %q", unit, health)
			}
		}
		m.must(t, "stop", unit)
		if r := e.Pod("container", "exists", c.name); r.Code != 1 {
			t.Errorf("%s is still there after systemctl stop (exists: %d)", c.name, r.Code)
		}
	}
}

// installAll is install for units that name one another, at once: all
// files in place, one reload, one verify (each costs seconds in a slow
// guest); cleanup stops them all and takes them away.
func (m *manager) installAll(t *testing.T, units map[string]string) {
	t.Helper()
	if err := os.MkdirAll(m.unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var names, paths []string
	for name, text := range units {
		path := filepath.Join(m.unitDir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		names, paths = append(names, name), append(paths, path)
	}
	t.Cleanup(func() {
		m.ctl(t, append([]string{"stop"}, names...)...)
		for _, p := range paths {
			os.Remove(p)
		}
		m.ctl(t, "daemon-reload")
		m.ctl(t, append([]string{"reset-failed"}, names...)...)
	})
	m.must(t, "daemon-reload")
	if b, err := exec.Command("systemd-analyze", append(append(m.scope(), "verify"), paths...)...).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify %s: %v\n%s", strings.Join(names, " "), err, b)
	}
}
