package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// podman's flags of how a container is made and attached beyond its
// process: run/create --rootfs, create --attach and --init-ctr (a pod's
// init containers, and kube play's), pod create --ip6 and --no-hosts.

// rootfsDir unpacks the busybox root filesystem into a directory of the
// Env's user, as a user's own exploded container would be.
func rootfsDir(t *testing.T, e *Env, name string) string {
	t.Helper()
	dir := e.Mkdir(name)
	if b, err := exec.Command("tar", "-xf", suite.images.RootfsTar, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("unpack the rootfs: %v: %s", err, b)
	}
	if e.Rootless() && os.Geteuid() == 0 {
		err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, e.uid, e.gid)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRunRootfs: --rootfs runs a directory as the root filesystem, and
// writes land in it; DIR:O puts an overlay over it whose writes go away
// when the container stops; inspect shows podman's Rootfs and no image.
func TestRunRootfs(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		dir := rootfsDir(t, e, "rfs")
		if got := out(e.MustPod("run", "--rm", "--network", "none", "--rootfs", dir, "sh", "-c", "echo hi > /written; cat /written")); got != "hi" {
			t.Errorf("run --rootfs: %q", got)
		}
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(dir, "written"), &st); err != nil {
			t.Fatalf("the write did not reach the directory: %v", err)
		} else if int(st.Uid) != e.uid {
			t.Errorf("the container's root wrote a file owned by %d, want the user %d", st.Uid, e.uid)
		}

		// :O reads the directory, and never writes to it.
		if got := out(e.MustPod("run", "--rm", "--network", "none", "--rootfs", dir+":O", "sh", "-c", "echo o > /overlaid; cat /written /overlaid")); got != "hi\no" {
			t.Errorf("run --rootfs DIR:O: %q", got)
		}
		if _, err := os.Stat(filepath.Join(dir, "overlaid")); err == nil {
			t.Error("--rootfs DIR:O wrote into the directory")
		}
		// ...and each run starts from the directory again.
		e.MustPod("create", "--name", "rf-ov", "--network", "none", "--rootfs", dir+":O", "sh", "-c", "cat /mark 2>/dev/null || echo none; echo x > /mark")
		for i := 0; i < 2; i++ {
			if got := out(e.MustPod("start", "-a", "rf-ov")); got != "none" {
				t.Errorf("start %d of a DIR:O container saw %q, want the last run's write gone", i+1, got)
			}
		}
		if got := out(e.MustPod("inspect", "-f", "{{.Rootfs}}|{{.ImageName}}|{{.Image}}", "rf-ov")); got != dir+"||" {
			t.Errorf("inspect of a --rootfs container: %q, want %q", got, dir+"||")
		}
		e.MustPod("rm", "rf-ov")

		e.Pod("run", "--rm", "--rootfs", e.Path("no-such-dir"), "true").Fails(t, 125, "--rootfs "+e.Path("no-such-dir"))
		e.Pod("run", "--rm", "--rootfs", dir+":X", "true").Fails(t, 125, "the only option is O")
	})
}

// TestCreateAttachStreams: create --attach names the streams that a
// later start --attach attaches to; the others are still logged.
func TestCreateAttachStreams(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "ca-out", "-a", "stdout", img, "sh", "-c", "echo out; echo err >&2")
		r := e.MustPod("start", "-a", "ca-out")
		if r.Stdout != "out\n" || strings.Contains(r.Stderr, "err") {
			t.Errorf("start -a of a create -a stdout container: stdout %q, stderr %q", r.Stdout, r.Stderr)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.Config.AttachStdout}} {{.Config.AttachStderr}}", "ca-out")); got != "true false" {
			t.Errorf("inspect Attach*: %q", got)
		}
		if logs := e.MustPod("logs", "ca-out"); !strings.Contains(logs.Stdout+logs.Stderr, "err") {
			t.Errorf("the stream not attached was not logged: %+v", logs)
		}
		e.MustPod("rm", "ca-out")
		e.Pod("create", "-a", "stdall", img, "true").Fails(t, 125, `invalid --attach "stdall"`)
	})
}

// TestPodInitContainers: --init-ctr containers run to completion, in
// order, before the pod's others start; once ones at the first start
// only (then they are gone), always ones at every start; a failing one
// fails the pod's start and keeps the others from starting.
func TestPodInitContainers(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		logDir := e.Mkdir("initlog")
		vol := logDir + ":/log"
		e.MustPod("pod", "create", "--name", "pi", "--network", "none")
		e.MustPod("create", "--pod", "pi", "--name", "pi-once", "--init-ctr", "once", "-v", vol, img, "sh", "-c", "echo once >> /log/l")
		e.MustPod("create", "--pod", "pi", "--name", "pi-reg", "-v", vol, img, "sh", "-c", "echo reg >> /log/l; exec sleep 1000")
		e.MustPod("create", "--pod", "pi", "--name", "pi-always", "--init-ctr", "always", "-v", vol, img, "sh", "-c", "echo always >> /log/l")
		logged := func(want string) {
			t.Helper()
			var got []byte
			waitFor(t, func() bool { got, _ = os.ReadFile(filepath.Join(logDir, "l")); return string(got) == want })
		}
		e.MustPod("pod", "start", "pi")
		logged("once\nalways\nreg\n")
		if r := e.Pod("container", "exists", "pi-once"); r.Code != 1 {
			t.Errorf("the once init container is still there after the pod's start (exit %d)", r.Code)
		}
		e.MustPod("pod", "stop", "-t", "0", "pi")
		e.MustPod("pod", "start", "pi")
		logged("once\nalways\nreg\nalways\nreg\n")

		e.MustPod("create", "--pod", "pi", "--name", "pi-fail", "--init-ctr", "always", img, "sh", "-c", "exit 3")
		e.MustPod("pod", "stop", "-t", "0", "pi")
		e.Pod("pod", "start", "pi").Fails(t, 125, "init container pi-fail exited with 3")
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}}", "pi-reg")); got != "exited" {
			t.Errorf("a regular container started after an init container failed: %s", got)
		}
		e.MustPod("pod", "rm", "-f", "pi")

		e.Pod("create", "--init-ctr", "once", img, "true").Fails(t, 125, "init containers must be created in a pod")
		e.Pod("create", "--init-ctr", "sometimes", img, "true").Fails(t, 125, `invalid --init-ctr "sometimes"`)

		// kube play's initContainers are the pod's init containers (once
		// unless podman's annotation says always).
		yaml := `apiVersion: v1
kind: Pod
metadata:
  name: kpi
  annotations:
    io.podman.annotations.init.container.type: always
spec:
  initContainers:
  - name: setup
    image: ` + img + `
    command: ["true"]
  containers:
  - name: main
    image: ` + img + `
    command: ["sleep", "1000"]
`
		e.MustPod("kube", "play", e.WriteFile("kpi.yaml", []byte(yaml)))
		if got := out(e.MustPod("ps", "-a", "--filter", "name=kpi-", "--format", "{{.Names}} {{.State}}")); !strings.Contains(got, "kpi-main running") || !strings.Contains(got, "kpi-setup exited") {
			t.Errorf("kube play with an always init container: %q", got)
		}
		e.MustPod("pod", "rm", "-f", "-t", "0", "kpi")
	})
}

// TestPodCreateNoHostsIP6: pod create --ip6 gives the pod that address on
// a dual-stack network; --no-hosts (pod create and kube play) leaves the
// members' image /etc/hosts. The halves run in turn: the subnet is fixed.
func TestPodCreateNoHostsIP6(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.134.7.0/24", "--subnet", "fd00:134:7::/64", "rfpnet")
		defer e.Pod("network", "rm", "-f", "rfpnet")
		e.MustPod("pod", "create", "--name", "pn", "--network", "rfpnet", "--ip6", "fd00:134:7::42", "--no-hosts")
		got := out(e.MustPod("run", "--rm", "--pod", "pn", img, "sh", "-c", "ip -o addr show eth0; grep -c ' /etc/hosts ' /proc/mounts || true"))
		if !strings.Contains(got, "inet6 fd00:134:7::42/64") || !strings.HasSuffix(got, "\n0") {
			t.Errorf("pod create --ip6 --no-hosts: a member sees %q", got)
		}
		if got := out(e.MustPod("pod", "inspect", "-f", "{{.InfraConfig.NoManageHosts}}", "pn")); got != "true" {
			t.Errorf("pod inspect NoManageHosts: %q", got)
		}
		e.MustPod("pod", "rm", "-f", "pn")
		// A pod without --name: its random name (with a '_') still makes
		// a valid host name.
		id := out(e.MustPod("pod", "create", "--network", "none"))
		if got := out(e.MustPod("run", "--rm", "--pod", id, img, "hostname")); got == "" || strings.Contains(got, "_") {
			t.Errorf("hostname of a pod with a random name: %q", got)
		}
		e.MustPod("pod", "rm", "-f", id)
		e.Pod("pod", "create", "--name", "pn2", "--no-hosts", "--add-host", "a:10.134.7.9").Fails(t, 125, "--no-hosts and --add-host")
		e.Pod("pod", "create", "--infra=false", "--ip6", "fd00:134:7::43").Fails(t, 125, "without an infra container")

		yaml := `apiVersion: v1
kind: Pod
metadata:
  name: kpn
spec:
  containers:
  - name: c
    image: ` + img + `
    command: ["sleep", "1000"]
`
		e.MustPod("kube", "play", "--no-hosts", "--network", "rfpnet", e.WriteFile("kpn.yaml", []byte(yaml)))
		if got := out(e.MustPod("exec", "kpn-c", "sh", "-c", "grep -c ' /etc/hosts ' /proc/mounts || true")); got != "0" {
			t.Errorf("kube play --no-hosts: /etc/hosts mounts %q", got)
		}
		e.MustPod("pod", "rm", "-f", "-t", "0", "kpn")
	})
}

// TestSystemMigrateNewRuntime: system migrate --new-runtime stops what
// runs and records the runtime in every container, which then starts,
// execs and stops with it whatever --runtime a later command names; a
// container created later runs with the default one.
func TestSystemMigrateNewRuntime(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		def := out(e.MustPod("info", "-f", "{{.Host.OCIRuntime.Path}}"))
		// The default runtime under a name of its own, to tell them apart.
		other := e.Path("myruntime")
		if err := os.Symlink(def, other); err != nil {
			t.Fatal(err)
		}
		e.MustPod("run", "-d", "--name", "mr-a", "--network", "none", "--stop-timeout", "1", img, "sleep", "1000")
		if got := out(e.MustPod("system", "migrate", "--new-runtime", other)); !strings.Contains(got, "stopped mr-a") {
			t.Errorf("migrate --new-runtime printed %q, want the running container stopped", got)
		}
		e.MustPod("start", "mr-a")
		if got := out(e.MustPod("--runtime", filepath.Base(def), "inspect", "-f", "{{.OCIRuntime}} {{.State.Status}}", "mr-a")); got != "myruntime running" {
			t.Errorf("after migrate --new-runtime: %q", got)
		}
		if got := out(e.MustPod("exec", "mr-a", "echo", "in")); got != "in" {
			t.Errorf("exec with the new runtime: %q", got)
		}
		e.MustPod("--runtime", filepath.Base(def), "stop", "-t", "0", "mr-a")
		e.MustPod("create", "--name", "mr-b", img, "true")
		if got := out(e.MustPod("inspect", "-f", "{{.OCIRuntime}}", "mr-b")); got != filepath.Base(def) {
			t.Errorf("a container created after the migration runs with %q, want %q", got, filepath.Base(def))
		}
		e.Pod("system", "migrate", "--new-runtime", "no-such-runtime-mr").Fails(t, 125, `--new-runtime no-such-runtime-mr`)
		e.MustPod("rm", "-f", "mr-a", "mr-b")
	})
}
