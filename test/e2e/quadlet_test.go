package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var generatorBin struct {
	once sync.Once
	path string
	err  error
}

// generator is pod-systemd-generator, copied next to the suite's pod so
// that the units it writes run that pod.
func generator(t *testing.T) string {
	t.Helper()
	generatorBin.once.Do(func() {
		src := filepath.Join(filepath.Dir(os.Getenv("POD_BINARY")), "pod-systemd-generator")
		generatorBin.path, generatorBin.err = copyExecutable(src, filepath.Join(filepath.Dir(suite.pod), "pod-systemd-generator"))
	})
	if generatorBin.err != nil {
		t.Fatalf("pod-systemd-generator (make build builds it next to pod): %v", generatorBin.err)
	}
	return generatorBin.path
}

// runGenerator runs the generator as the Env's user.
func runGenerator(t *testing.T, e *Env, dirs string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, generator(t), args...)
	cmd.Env = append(e.environ(), "QUADLET_UNIT_DIRS="+dirs)
	if e.rootless && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid), Groups: []uint32{}}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// dryrunUnits splits --dryrun's output ("---NAME---" then the unit).
func dryrunUnits(out string) map[string]string {
	units := map[string]string{}
	var name string
	for _, l := range strings.SplitAfter(out, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "---") && strings.HasSuffix(t, "---") && len(t) > 6 {
			name = strings.Trim(t, "-")
			continue
		}
		if name != "" {
			units[name] += l
		}
	}
	return units
}

// TestQuadletDryrun runs the generator with --dryrun on a directory of
// Quadlet files, good and broken: the good file's unit is printed, the
// broken ones are named with their key on stderr, and the unit's
// ExecStartPre, ExecStart (with a notify socket) and ExecStop, run by hand,
// start the container as the file describes and remove it.
func TestQuadletDryrun(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		dir := e.Mkdir("quadlet")
		e.WriteFile("quadlet/sd-web.container", []byte(`# a good one
[Unit]
Description=sd web

[Container]
Image=`+img+`
ContainerName=sd-q-%N
GlobalArgs=--root `+e.Root+` --runroot `+e.RunRoot+`
Environment=GREETING=from\ quadlet "OTHER=a b"
Label=sd.test=yes
Volume=sd-data.volume:/data
Exec=sh -c "echo $GREETING/$OTHER > /data/greeting; cat /data/greeting; exec sleep 1000"
StopTimeout=2

[Service]
Restart=always

[Install]
WantedBy=default.target
`))
		e.WriteFile("quadlet/sd-data.volume", []byte("[Volume]\nVolumeName=sd-vol-data\nLabel=sd.test=vol\nGlobalArgs=--root "+e.Root+" --runroot "+e.RunRoot+"\n"))
		e.WriteFile("quadlet/sd-broken.container", []byte("[Container]\nImage="+img+"\nBogusKey=1\n"))
		e.WriteFile("quadlet/sd-noimage.container", []byte("[Container]\nExec=true\n"))
		args := []string{"--dryrun"}
		if e.Rootless() {
			args = append(args, "--user")
		}
		stdout, stderr, code := runGenerator(t, e, dir, args...)
		if code != 1 {
			t.Errorf("generator exit %d with broken files, want 1", code)
		}
		for _, want := range []string{
			`converting "sd-broken.container": unsupported key 'BogusKey' in group 'Container' in ` + filepath.Join(dir, "sd-broken.container"),
			`converting "sd-noimage.container": no Image key specified in ` + filepath.Join(dir, "sd-noimage.container"),
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		units := dryrunUnits(stdout)
		text, ok := units["sd-web.service"]
		volText, volOK := units["sd-data-volume.service"]
		if !ok || !volOK || len(units) != 2 {
			t.Fatalf("dryrun printed %d units:\n%s", len(units), stdout)
		}
		volPath := e.WriteFile("sd-data-volume.service", []byte(volText))
		verifyUnit(t, volPath)
		vu := readUnit(t, volPath)
		if vu.one(t, "Type") != "oneshot" {
			t.Errorf("volume unit:\n%s", volText)
		}
		// Run twice: the second start finds the volume and leaves it.
		runExecUnit(t, e, "sd-data-volume", vu.one(t, "ExecStart"))
		runExecUnit(t, e, "sd-data-volume", vu.one(t, "ExecStart"))
		if got := e.MustPod("volume", "inspect", "-f", `{{index .Labels "sd.test"}}`, "sd-vol-data").Stdout; strings.TrimSpace(got) != "vol" {
			t.Errorf("volume label %q", got)
		}
		path := e.WriteFile("sd-web.service", []byte(text))
		verifyUnit(t, path)
		u := readUnit(t, path)
		if u.one(t, "Type") != "notify" || u.one(t, "Restart") != "always" || u.one(t, "Description") != "sd web" ||
			u.one(t, "Requires") != "sd-data-volume.service" {
			t.Errorf("unit:\n%s", text)
		}

		notify := listenNotify(t, e)
		runExecUnit(t, e, "sd-web", u.one(t, "ExecStartPre"))
		runExecUnit(t, e, "sd-web", u.one(t, "ExecStart"), "NOTIFY_SOCKET="+notify.path)
		msg := notify.next(t)
		s := sdState(t, e, "sd-q-sd-web")
		if !s.Running || msg["READY"] != "1" || msg["MAINPID"] != itoa(s.ConmonPid) {
			t.Fatalf("sd_notify %v, state %+v", msg, s)
		}
		waitLog(t, e, "sd-q-sd-web", "from quadlet/a b")
		if got := e.MustPod("inspect", "-f", `{{index .Config.Labels "sd.test"}}`, "sd-q-sd-web").Stdout; strings.TrimSpace(got) != "yes" {
			t.Errorf("label sd.test=%q", got)
		}
		if got := e.MustPod("volume", "inspect", "-f", "{{.Mountpoint}}", "sd-vol-data").Stdout; got == "" {
			t.Error("no volume mountpoint")
		} else if b, err := os.ReadFile(filepath.Join(strings.TrimSpace(got), "greeting")); err != nil || string(b) != "from quadlet/a b\n" {
			t.Errorf("the container's write to the volume: %q (%v)", b, err)
		}
		runExecUnit(t, e, "sd-web", u.one(t, "ExecStop"))
		runExecUnit(t, e, "sd-web", u.one(t, "ExecStopPost"))
		if r := e.Pod("container", "exists", "sd-q-sd-web"); r.Code != 1 {
			t.Fatalf("after ExecStop the container is still there (exists: %d %s)", r.Code, r.Stderr)
		}
	})
}

// TestQuadletGeneratorWrites runs the generator as systemd does, with an
// output directory: the unit is written and linked into its target's
// .wants directory.
func TestQuadletGeneratorWrites(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		dir := e.Mkdir("quadlet")
		out := e.Mkdir("out")
		e.WriteFile("quadlet/sd-app.container", []byte("[Container]\nImage=busybox\n[Install]\nWantedBy=default.target\n"))
		_, stderr, code := runGenerator(t, e, dir, out, out, out)
		if code != 0 || stderr != "" {
			t.Fatalf("generator exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "sd-app.service"))
		if err != nil || !strings.Contains(string(b), "ExecStart="+suite.pod+" run --name systemd-%N") {
			t.Fatalf("unit %q (%v)", b, err)
		}
		if target, err := os.Readlink(filepath.Join(out, "default.target.wants", "sd-app.service")); err != nil || target != "../sd-app.service" {
			t.Errorf("wants link %q (%v)", target, err)
		}
	})
}

// TestQuadletKinds generates the units of .network, .image, .build, .pod,
// .kube and .container files that name one another, checks the
// dependencies systemd will follow, verifies them, and runs their Exec
// lines in dependency order by hand: the network (twice: the second start
// leaves it), the pulled and the built image, the pod on the network, a
// container of the built image in the pod, the played YAML and its take
// down. A broken .pod file is reported and stops nothing.
func TestQuadletKinds(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		global := "GlobalArgs=--root " + e.Root + " --runroot " + e.RunRoot + "\n"
		subnet := "10.135.11.0/24"
		if e.Rootless() {
			subnet = "10.135.12.0/24"
		}
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "sd-knet") }) // after the pods' removal
		podCleanup(t, e)
		dir := e.Mkdir("quadlet")
		e.WriteFile("quadlet/sd-k.network", []byte("[Network]\nNetworkName=sd-knet\nSubnet="+subnet+"\nLabel=sd.test=net\n"+global))
		e.WriteFile("quadlet/sd-k.image", []byte("[Image]\nImage="+img+"\n"+global))
		e.WriteFile("quadlet/Containerfile", []byte("FROM "+img+"\nLABEL sd.test=built\n"))
		e.WriteFile("quadlet/sd-k.build", []byte("[Build]\nImageTag=localhost/sd-kbuilt:1\nSetWorkingDirectory=unit\nPull=never\n"+global))
		e.WriteFile("quadlet/sd-k.pod", []byte("[Pod]\nPodName=sd-kpod\nNetwork=sd-k.network\n"+global))
		// sleep as PID 1 ignores SIGTERM: a short StopTimeout (and the
		// YAML's grace period) keeps the stops from waiting 10 s.
		e.WriteFile("quadlet/sd-k.container", []byte("[Container]\nImage=sd-k.build\nPod=sd-k.pod\nContainerName=sd-kctr\nExec=sleep 1000\nStopTimeout=1\n"+global))
		e.WriteFile("quadlet/sd-kbad.pod", []byte("[Pod]\nUserNS=auto\n"))
		e.WriteFile("quadlet/app.yaml", []byte(`apiVersion: v1
kind: Pod
metadata:
  name: sd-kube
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: `+img+`
    command: ["sleep", "1000"]
`))
		e.WriteFile("quadlet/sd-kube.kube", []byte("[Kube]\nYaml=app.yaml\n"+global))
		args := []string{"--dryrun"}
		if e.Rootless() {
			args = append(args, "--user")
		}
		stdout, stderr, code := runGenerator(t, e, dir, args...)
		if want := `converting "sd-kbad.pod": not supported by pod for key 'UserNS' in group 'Pod' in ` + filepath.Join(dir, "sd-kbad.pod"); code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("generator exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
		units := dryrunUnits(stdout)
		unitDir := e.Mkdir("units")
		parsed := map[string]unitFile{}
		for _, name := range []string{"sd-k-network.service", "sd-k-image.service", "sd-k-build.service", "sd-k-pod.service", "sd-k.service", "sd-kube.service"} {
			text, ok := units[name]
			if !ok {
				t.Fatalf("no %s among the units:\n%s", name, stdout)
			}
			path := filepath.Join(unitDir, name)
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			parsed[name] = readUnit(t, path)
		}
		if len(units) != 6 {
			t.Errorf("%d units, want 6:\n%s", len(units), stdout)
		}
		for name := range parsed {
			verifyUnit(t, filepath.Join(unitDir, name))
		}
		ctr, pod := parsed["sd-k.service"], parsed["sd-k-pod.service"]
		if got := strings.Join(ctr["Requires"], " "); got != "sd-k-build.service" {
			t.Errorf("container unit Requires=%s", got)
		}
		if got := strings.Join(ctr["BindsTo"], " "); got != "sd-k-pod.service" {
			t.Errorf("container unit BindsTo=%s", got)
		}
		if got := strings.Join(pod["Requires"], " "); got != "sd-k-network.service" || strings.Join(pod["Wants"], " ") != "network-online.target sd-k.service" {
			t.Errorf("pod unit Requires=%s Wants=%v", got, pod["Wants"])
		}

		nu := parsed["sd-k-network.service"]
		runExecUnit(t, e, "sd-k-network", nu.one(t, "ExecStart"))
		runExecUnit(t, e, "sd-k-network", nu.one(t, "ExecStart"))
		if got := out(e.MustPod("network", "inspect", "-f", `{{index .Labels "sd.test"}}`, "sd-knet")); got != "net" {
			t.Errorf("network label %q", got)
		}
		runExecUnit(t, e, "sd-k-image", parsed["sd-k-image.service"].one(t, "ExecStart"))
		if r := e.Pod("image", "exists", img); r.Code != 0 {
			t.Errorf("the image unit did not pull %s", img)
		}
		runExecUnit(t, e, "sd-k-build", parsed["sd-k-build.service"].one(t, "ExecStart"))
		if got := out(e.MustPod("image", "inspect", "-f", `{{index .Config.Labels "sd.test"}}`, "localhost/sd-kbuilt:1")); got != "built" {
			t.Errorf("built image label %q", got)
		}
		runExecUnit(t, e, "sd-k-pod", pod.one(t, "ExecStartPre"))
		runExecUnit(t, e, "sd-k-pod", pod.one(t, "ExecStart"))
		notify := listenNotify(t, e)
		runExecUnit(t, e, "sd-k", ctr.one(t, "ExecStartPre"))
		runExecUnit(t, e, "sd-k", ctr.one(t, "ExecStart"), "NOTIFY_SOCKET="+notify.path)
		if msg := notify.next(t); msg["READY"] != "1" {
			t.Errorf("sd_notify %v", msg)
		}
		if got := out(e.MustPod("pod", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.State}},{{end}} {{range .InfraConfig.Networks}}{{.}}{{end}}", "sd-kpod")); !strings.Contains(got, "sd-kctr running,") || !strings.HasSuffix(got, " sd-knet") {
			t.Errorf("the pod's containers and networks: %q", got)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.ImageName}} {{.Config.StopTimeout}}", "sd-kctr")); got != "localhost/sd-kbuilt:1 1" {
			t.Errorf("the container's image and stop timeout: %q", got)
		}
		runExecUnit(t, e, "sd-k", ctr.one(t, "ExecStop"))
		runExecUnit(t, e, "sd-k-pod", pod.one(t, "ExecStop"))
		runExecUnit(t, e, "sd-k-pod", strings.TrimPrefix(pod.one(t, "ExecStopPost"), "-"))
		if r := e.Pod("pod", "exists", "sd-kpod"); r.Code != 1 {
			t.Errorf("pod still there after the pod unit's stop (exists: %d)", r.Code)
		}

		ku := parsed["sd-kube.service"]
		runExecUnit(t, e, "sd-kube", ku.one(t, "ExecStart"))
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Name}} {{.Status}}")); got != "sd-kube Running" {
			t.Errorf("after the kube unit's start: %q", got)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.Config.StopTimeout}}", "sd-kube-c")); got != "1" {
			t.Errorf("stop timeout from terminationGracePeriodSeconds: %q", got)
		}
		runExecUnit(t, e, "sd-kube", ku.one(t, "ExecStopPost"))
		if got := out(e.MustPod("pod", "ps", "-q")); got != "" {
			t.Errorf("pods left after the kube unit's stop: %q", got)
		}
	})
}
