package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Most container tests run as root only; the basic lifecycle runs rootless
// too.

// pulled makes the test busybox image local, so later commands print
// nothing about pulling.
func pulled(t *testing.T, e *Env) string {
	t.Helper()
	e.MustPod("pull", "-q", suite.images.Busybox)
	return suite.images.Busybox
}

// out is stdout without its trailing newline.
func out(r *Result) string { return strings.TrimRight(r.Stdout, "\n") }

func TestRunEchoRemove(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// The first run pulls; progress goes to stderr, never stdout.
		r := e.MustPod("run", "--rm", "--name", "once", suite.images.Busybox, "echo", "hi")
		if r.Stdout != "hi\n" {
			t.Fatalf("stdout = %q, want %q", r.Stdout, "hi\n")
		}
		// --rm: gone by the time run returned.
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("ps -a after run --rm: %q", got)
		}
		e.Pod("rm", "once").Fails(t, 1, `no container with name or ID "once" found: no such container`)
		if got := e.MustPod("rm", "-a").Stdout; got != "" {
			t.Fatalf("rm -a after run --rm removed %q", got)
		}
	})
}

func TestRunStreams(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		r := e.MustPod("run", "--rm", img, "sh", "-c", "echo out; echo err >&2")
		if r.Stdout != "out\n" || r.Stderr != "err\n" {
			t.Fatalf("stdout %q stderr %q, want out/err apart", r.Stdout, r.Stderr)
		}
		r = e.PodStdin(strings.NewReader("from stdin\n"), "run", "--rm", "-i", img, "cat")
		r.Success(t)
		if r.Stdout != "from stdin\n" {
			t.Fatalf("run -i cat: %q", r.Stdout)
		}
		// Without -i the container's stdin is empty.
		r = e.PodStdin(strings.NewReader("ignored\n"), "run", "--rm", img, "cat")
		r.Success(t)
		if r.Stdout != "" {
			t.Fatalf("run without -i read stdin: %q", r.Stdout)
		}
	})
}

func TestRunExitCodes(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "--rm", img, "true")
		if r := e.Pod("run", "--rm", img, "sh", "-c", "exit 3"); r.Code != 3 || r.Stderr != "" {
			t.Fatalf("exit 3: code %d stderr %q", r.Code, r.Stderr)
		}
		e.Pod("run", "--rm", img, "/no/such/cmd").FailsRuntime(t, 127, "/no/such/cmd", "no such file or directory")
		e.Pod("run", "--rm", img, "nosuchcmd").FailsRuntime(t, 127, "nosuchcmd", "not found")
		// runc: `exec: "/etc": permission denied`; crun 1.8: "open
		// executable: Operation not permitted".
		e.Pod("run", "--rm", img, "/etc").FailsRuntime(t, 126)
		e.Pod("run", "--rm", "--restart", "sometimes", img, "true").Fails(t, 125, "invalid restart policy")
		e.Pod("run", "--rm", "--pull", "never", "localhost/not-here", "true").Fails(t, 125, "not-here")
		e.Pod("run", "--rm", "-v", "_bad:/data", img, "true").Fails(t, 125, "invalid volume name")
		e.Pod("run", "--rm", "-v", e.Path("missing")+":/data", img, "true").Fails(t, 125, "no such file or directory")
		e.Pod("run", "--rm", "--log-driver", "syslog", img, "true").Fails(t, 125, "unsupported log driver")
		// A failed run leaves nothing behind (--rm), or a created
		// container that rm removes.
		if got := e.MustPod("rm", "-a").Stdout; got != "" {
			t.Fatalf("failed --rm runs left containers: %q", got)
		}
		e.Pod("run", "--name", "bad", img, "nosuchcmd").FailsRuntime(t, 127, "nosuchcmd", "not found")
		e.MustPod("rm", "bad")
	})
}

func TestRunDetachedLifecycle(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("run", "-d", "--name", "web", img, "sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done"))
		waitLog(t, e, "web", "ready")
		if len(id) != 64 {
			t.Fatalf("run -d printed %q, want a 64-character ID", id)
		}
		// A running container cannot be removed without force.
		e.Pod("rm", "web").Fails(t, 2, "cannot remove container "+id+" as it is running")
		if got := out(e.MustPod("stop", "web")); got != "web" {
			t.Fatalf("stop printed %q", got)
		}
		if got := out(e.MustPod("wait", "web")); got != "0" {
			t.Fatalf("wait after stop = %q, want 0 (the trap exits 0)", got)
		}
		// Stopping a stopped container is fine.
		e.MustPod("stop", "web")
		if got := out(e.MustPod("start", "web")); got != "web" {
			t.Fatalf("start printed %q", got)
		}
		if got := out(e.MustPod("restart", "-t", "5", id[:12])); got != id[:12] {
			t.Fatalf("restart printed %q", got)
		}
		if got := out(e.MustPod("kill", "-s", "KILL", "web")); got != "web" {
			t.Fatalf("kill printed %q", got)
		}
		if got := out(e.MustPod("wait", "web")); got != "137" {
			t.Fatalf("wait after kill = %q, want 137", got)
		}
		e.Pod("kill", "web").Fails(t, 125, "can only kill running containers")
		if got := out(e.MustPod("rm", "web")); got != "web" {
			t.Fatalf("rm printed %q", got)
		}
		e.Pod("start", "web").Fails(t, 125, `no container with name or ID "web" found: no such container`)
		e.Pod("stop", "web").Fails(t, 125, "no such container")
		e.Pod("rm", "web").Fails(t, 1, "no such container")
		e.MustPod("rm", "--ignore", "web")
	})
}

func TestCreateStartAttach(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--name", "c1", img, "sh", "-c", "echo started; exit 4"))
		if len(id) != 64 {
			t.Fatalf("create printed %q", id)
		}
		// A created container has not run: wait returns at once.
		if got := out(e.MustPod("wait", "c1")); got != "0" {
			t.Fatalf("wait on created = %q", got)
		}
		r := e.Pod("start", "-a", "c1")
		if r.Code != 4 || r.Stdout != "started\n" {
			t.Fatalf("start -a: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		if got := out(e.MustPod("wait", "c1")); got != "4" {
			t.Fatalf("wait = %q", got)
		}
		// start of several containers prints each as given.
		e.MustPod("create", "--name", "c2", img, "true")
		if got := e.MustPod("start", "c1", "c2").Lines(); strings.Join(got, ",") != "c1,c2" {
			t.Fatalf("start c1 c2 printed %q", got)
		}
		e.MustPod("wait", "c1", "c2")
		r = e.PodStdin(strings.NewReader("piped\n"), "create", "-i", "--name", "c3", img, "cat")
		r.Success(t)
		r = e.PodStdin(strings.NewReader("piped\n"), "start", "-a", "-i", "c3")
		if r.Code != 0 || r.Stdout != "piped\n" {
			t.Fatalf("start -a -i: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		if got := len(e.MustPod("rm", "-a").Lines()); got != 3 {
			t.Fatalf("rm -a removed %d containers, want 3", got)
		}
	})
}

func TestRunNameConflict(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--name", "taken", img, "true"))
		e.Pod("run", "--name", "taken", img, "true").Fails(t, 125,
			`the container name "taken" is already in use by `+id+`. You have to remove that container to be able to reuse that name: that name is already in use`)
		e.Pod("create", "--name", "bad/name", img, "true").Fails(t, 125, "invalid container name")
		// Nothing was created by the failures.
		if got := e.MustPod("rm", "-a").Lines(); len(got) != 1 || got[0] != id {
			t.Fatalf("rm -a = %q, want only %s", got, id)
		}
	})
}

func TestRunProcessOptions(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		envFile := e.WriteFile("env", []byte("# comment\nFROM_FILE=file value\nOVERRIDDEN=file\n\n"))
		e.ExtraEnv = append(e.ExtraEnv, "PASSED=from pod")
		r := e.MustPod("run", "--rm", "--env-file", envFile, "-e", "OVERRIDDEN=flag", "-e", "PASSED", "-e", "UNSET_HERE",
			img, "sh", "-c", `echo "$FROM_FILE|$OVERRIDDEN|$PASSED|${UNSET_HERE-unset}|$PATH"`)
		if got := out(r); got != "file value|flag|from pod|unset|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" {
			t.Fatalf("environment: %q", got)
		}
		if got := out(e.MustPod("run", "--rm", "-w", "/tmp/new", img, "pwd")); got != "/tmp/new" {
			t.Fatalf("-w: %q", got)
		}
		// --passwd (the default) names a UID the image lacks, as podman.
		if got := out(e.MustPod("run", "--rm", "-u", "1234:5678", img, "id")); !strings.HasPrefix(got, "uid=1234(1234) gid=5678(5678)") {
			t.Fatalf("-u: %q", got)
		}
		if got := out(e.MustPod("run", "--rm", "-u", "nobody", img, "id", "-u")); got != "65534" {
			t.Fatalf("-u nobody: %q", got)
		}
		if got := out(e.MustPod("run", "--rm", "--entrypoint", "echo", img, "a", "b")); got != "a b" {
			t.Fatalf("--entrypoint: %q", got)
		}
		if got := out(e.MustPod("run", "--rm", "--entrypoint", `["sh","-c","echo json $0"]`, img, "arg")); got != "json arg" {
			t.Fatalf("--entrypoint JSON: %q", got)
		}
		r = e.MustPod("run", "--rm", "-h", "box", img, "sh", "-c", "hostname; cat /etc/hostname; grep -c box /etc/hosts")
		if got := r.Lines(); strings.Join(got, ",") != "box,box,1" {
			t.Fatalf("--hostname: %q", got)
		}
		id := out(e.MustPod("create", "-l", "a=b", "--label", "c", img, "true"))
		if got := out(e.MustPod("inspect", "--format", "{{json .Config.Labels}}", id)); got != `{"a":"b","c":""}` {
			t.Fatalf("labels: %s", got)
		}
	})
}

func TestRunDefaultHostname(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", img, "hostname"))
		r := e.MustPod("start", "-a", id)
		if out(r) != id[:12] {
			t.Fatalf("hostname = %q, want %q", out(r), id[:12])
		}
	})
}

func TestRunMounts(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		dir := e.Mkdir("data")
		e.WriteFile("data/in.txt", []byte("from host\n"))
		r := e.MustPod("run", "--rm", "-v", dir+":/data", img, "sh", "-c", "cat /data/in.txt; echo from ctr > /data/out.txt")
		if out(r) != "from host" {
			t.Fatalf("bind read: %q", r.Stdout)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || string(b) != "from ctr\n" {
			t.Fatalf("bind write: %q %v", b, err)
		}
		r = e.Pod("run", "--rm", "-v", dir+":/data:ro", img, "sh", "-c", "cat /data/in.txt; touch /data/x")
		if r.Code == 0 || !strings.Contains(r.Stderr, "Read-only file system") || out(r) != "from host" {
			t.Fatalf("ro bind: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		r = e.MustPod("run", "--rm", "--tmpfs", "/scratch:size=1m,mode=1777", img, "sh", "-c", "grep ' /scratch ' /proc/mounts; echo x > /scratch/f && cat /scratch/f")
		if !strings.Contains(r.Stdout, "tmpfs /scratch tmpfs rw,nosuid,nodev,noexec") || !strings.Contains(r.Stdout, "size=1024k") || !strings.HasSuffix(r.Stdout, "x\n") {
			t.Fatalf("tmpfs: %q", r.Stdout)
		}
		r = e.Pod("run", "--rm", "--read-only", img, "touch", "/x")
		if r.Code != 1 || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Fatalf("--read-only: code %d stderr %q", r.Code, r.Stderr)
		}
		// A read-only root still gets writable mounts.
		e.MustPod("run", "--rm", "--read-only", "--tmpfs", "/w", img, "touch", "/w/x")
	})
}

// status reads lines of /proc/self/status in a container run with flags.
func status(t *testing.T, e *Env, img string, flags ...string) map[string]string {
	t.Helper()
	args := append(append([]string{"run", "--rm"}, flags...), img, "cat", "/proc/self/status")
	m := map[string]string{}
	for _, l := range e.MustPod(args...).Lines() {
		k, v, _ := strings.Cut(l, ":")
		m[k] = strings.TrimSpace(v)
	}
	return m
}

func TestRunSecurityOptions(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		def := status(t, e, img)
		// Docker's default capability set.
		if def["CapEff"] != "00000000a80425fb" || def["NoNewPrivs"] != "0" || def["Seccomp"] != "2" {
			t.Fatalf("defaults: CapEff %s NoNewPrivs %s Seccomp %s", def["CapEff"], def["NoNewPrivs"], def["Seccomp"])
		}
		if got := status(t, e, img, "--cap-drop", "ALL")["CapEff"]; got != "0000000000000000" {
			t.Fatalf("--cap-drop ALL: CapEff %s", got)
		}
		// NET_ADMIN is bit 12.
		if got := status(t, e, img, "--cap-add", "NET_ADMIN")["CapEff"]; got != "00000000a80435fb" {
			t.Fatalf("--cap-add NET_ADMIN: CapEff %s", got)
		}
		if got := status(t, e, img, "--cap-drop", "CHOWN")["CapEff"]; got != "00000000a80425fa" {
			t.Fatalf("--cap-drop CHOWN: CapEff %s", got)
		}
		if got := status(t, e, img, "--security-opt", "no-new-privileges")["NoNewPrivs"]; got != "1" {
			t.Fatalf("no-new-privileges: NoNewPrivs %s", got)
		}
		if got := status(t, e, img, "--security-opt", "seccomp=unconfined")["Seccomp"]; got != "0" {
			t.Fatalf("seccomp=unconfined: Seccomp %s", got)
		}
		priv := status(t, e, img, "--privileged")
		if priv["Seccomp"] != "0" || priv["CapEff"] == def["CapEff"] || !strings.HasPrefix(priv["CapEff"], "000001ff") {
			t.Fatalf("--privileged: CapEff %s Seccomp %s", priv["CapEff"], priv["Seccomp"])
		}
		profile := e.WriteFile("seccomp.json", []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`))
		r := e.Pod("run", "--rm", "--security-opt", "seccomp="+profile, img, "mkdir", "/x")
		if r.Code != 1 || !strings.Contains(r.Stderr, "Operation not permitted") {
			t.Fatalf("seccomp=PROFILE denying mkdir: code %d stderr %q", r.Code, r.Stderr)
		}
		e.Pod("run", "--rm", "--security-opt", "seccomp="+e.Path("none.json"), img, "true").Fails(t, 125, "no such file or directory")
		e.Pod("run", "--rm", "--security-opt", "apparmor=x", img, "true").Fails(t, 125, "unsupported --security-opt")
	})
}

func TestRunUlimitAndInit(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		r := e.MustPod("run", "--rm", "--ulimit", "nofile=100:200", img, "sh", "-c", "ulimit -n; ulimit -Hn")
		if strings.Join(r.Lines(), ",") != "100,200" {
			t.Fatalf("--ulimit nofile=100:200: %q", r.Stdout)
		}
		e.Pod("run", "--rm", "--ulimit", "bogus=1", img, "true").Fails(t, 125, "invalid --ulimit")
		r = e.MustPod("run", "--rm", "--init", img, "sh", "-c", `tr '\0' ' ' < /proc/1/cmdline; echo; echo $$`)
		lines := r.Lines()
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "/run/pod-init -- sh -c") || lines[1] == "1" {
			t.Fatalf("--init: PID 1 is not the init: %q", r.Stdout)
		}
		if got := out(e.MustPod("run", "--rm", img, "sh", "-c", "echo $$")); got != "1" {
			t.Fatalf("without --init the command is PID 1, got %q", got)
		}
	})
}

func TestRunNetworkModes(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		for _, mode := range []string{"none", "private"} {
			args := []string{"run", "--rm"}
			if mode != "" {
				args = append(args, "--network", mode)
			}
			r := e.MustPod(append(args, img, "cat", "/proc/net/dev")...)
			if got := ifaceNames(r.Stdout); got != "lo" {
				t.Fatalf("--network %q: interfaces %s, want only lo", mode, got)
			}
			r = e.MustPod(append(args, img, "cat", "/sys/class/net/lo/operstate", "/sys/class/net/lo/flags")...)
			if flags := r.Lines(); len(flags) != 2 || flags[1] != "0x9" {
				t.Fatalf("--network %q: lo is not up: %q", mode, r.Stdout)
			}
		}
		host, _ := os.Hostname()
		hostDev, err := os.ReadFile("/proc/net/dev")
		if err != nil {
			t.Fatal(err)
		}
		r := e.MustPod("run", "--rm", "--network", "host", img, "sh", "-c", "hostname; cat /proc/net/dev")
		if got := r.Lines(); len(got) < 1 || got[0] != host || ifaceNames(strings.Join(got[1:], "\n")) != ifaceNames(string(hostDev)) {
			t.Fatalf("--network host: %q, want hostname %s and interfaces %s", r.Stdout, host, ifaceNames(string(hostDev)))
		}
	})
}

// waitLog waits until the container's log has a line: a shell's trap is
// set only once the shell ran that far.
func waitLog(t *testing.T, e *Env, name, line string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(e.MustPod("logs", name).Stdout, line+"\n") {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within a minute", name, line)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ifaceNames lists the interfaces of a /proc/net/dev, comma-separated.
func ifaceNames(procNetDev string) string {
	var names []string
	for _, l := range strings.Split(procNetDev, "\n") {
		// Other containers' veths come and go while the test runs.
		if name, _, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(strings.TrimSpace(name), "veth") {
			names = append(names, strings.TrimSpace(name))
		}
	}
	return strings.Join(names, ",")
}

func TestStopSignalAndTimeout(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// The stop signal reaches the command's trap.
		e.MustPod("run", "-d", "--name", "sig", "--stop-signal", "USR1", img, "sh", "-c", "trap 'exit 7' USR1; echo ready; while :; do sleep 0.1; done")
		waitLog(t, e, "sig", "ready")
		e.MustPod("stop", "sig")
		if got := out(e.MustPod("wait", "sig")); got != "7" {
			t.Fatalf("stop with --stop-signal USR1: exit %q, want 7 from the trap", got)
		}
		// PID 1 ignores SIGTERM without a handler: after --stop-timeout
		// comes SIGKILL.
		e.MustPod("run", "-d", "--name", "stubborn", "--stop-timeout", "1", img, "sleep", "1000")
		e.MustPod("stop", "stubborn")
		if got := out(e.MustPod("wait", "stubborn")); got != "137" {
			t.Fatalf("stop after timeout: exit %q, want 137", got)
		}
		e.MustPod("start", "stubborn")
		e.MustPod("stop", "-t", "0", "stubborn")
		if got := out(e.MustPod("wait", "stubborn")); got != "137" {
			t.Fatalf("stop -t 0: exit %q, want 137", got)
		}
		e.Pod("run", "--stop-signal", "NOPE", img, "true").Fails(t, 125, "invalid --stop-signal")
		e.MustPod("run", "-d", "--name", "a1", img, "sleep", "1000")
		e.MustPod("run", "-d", "--name", "a2", img, "sleep", "1000")
		if got := len(e.MustPod("stop", "-a", "-t", "0").Lines()); got != 2 {
			t.Fatalf("stop -a stopped %d containers, want 2", got)
		}
		e.MustPod("start", "a1", "a2")
		if got := len(e.MustPod("kill", "-a").Lines()); got != 2 {
			t.Fatalf("kill -a killed %d containers, want 2", got)
		}
		e.MustPod("wait", "a1", "a2")
	})
}

// containerLog returns the log file of a container in storage.
func containerLog(t *testing.T, e *Env, id string) string {
	t.Helper()
	return filepath.Join(e.Root, "overlay-containers", id, "userdata", "ctr.log")
}

func TestLogDrivers(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		for _, tc := range []struct{ driver, want string }{
			{"k8s-file", " stdout F hello"},
			{"json-file", `"log":"hello\n"`},
		} {
			id := out(e.MustPod("run", "-d", "--log-driver", tc.driver, img, "echo", "hello"))
			e.MustPod("wait", id)
			b, err := os.ReadFile(containerLog(t, e, id))
			if err != nil || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%s log: %q %v", tc.driver, b, err)
			}
			if got := e.MustPod("logs", id).Stdout; got != "hello\n" {
				t.Fatalf("pod logs with %s: %q", tc.driver, got)
			}
		}
		id := out(e.MustPod("run", "-d", "--log-driver", "none", img, "echo", "hello"))
		e.MustPod("wait", id)
		if _, err := os.Stat(containerLog(t, e, id)); !os.IsNotExist(err) {
			t.Fatalf("--log-driver none wrote a log: %v", err)
		}
		// Attached runs stream even without a log.
		if got := out(e.MustPod("run", "--rm", "--log-driver", "none", img, "echo", "streamed")); got != "streamed" {
			t.Fatalf("attached with log-driver none: %q", got)
		}
		id = out(e.MustPod("run", "-d", "--log-opt", "max-size=10k", img, "sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done"))
		e.MustPod("wait", id)
		st, err := os.Stat(containerLog(t, e, id))
		// The whole output is ~20 KB of text, ~70 KB as a log.
		if err != nil || st.Size() > 20*1024 {
			t.Fatalf("--log-opt max-size=10k: log is %v bytes (%v)", st.Size(), err)
		}
		e.Pod("run", "--log-opt", "max-size=lots", img, "true").Fails(t, 125, "invalid --log-opt")
	})
}

func TestParallelRuns(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// Rootless, fewer: every one of them joins the same pause
		// process's namespaces, which ten show as well as twenty.
		n := 20
		if e.Rootless() {
			n = 10
		}
		var wg sync.WaitGroup
		results := make([]*Result, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				results[i] = e.Pod("run", "-d", "--name", fmt.Sprintf("p%d", i), img, "sleep", "1000")
			}(i)
		}
		wg.Wait()
		for _, r := range results {
			r.Success(t)
		}
		if got := len(e.MustPod("ps", "-a", "-q").Lines()); got != n {
			t.Fatalf("ps -a shows %d containers, want %d", got, n)
		}
		if got := len(e.MustPod("ps", "-q", "--filter", "status=running").Lines()); got != n {
			t.Fatalf("ps shows %d running containers, want %d", got, n)
		}
		if got := len(e.MustPod("stop", "-a", "-t", "0").Lines()); got != n {
			t.Fatalf("stop -a stopped %d, want %d", got, n)
		}
		if got := len(e.MustPod("rm", "-a").Lines()); got != n {
			t.Fatalf("rm -a removed %d, want %d", got, n)
		}
	})
}

// monitorPID finds the pod-conmon process of a container.
func monitorPID(t *testing.T, id string) int {
	t.Helper()
	pid := monitorOf(id)
	if pid == 0 {
		t.Fatalf("no monitor process for %s", id)
	}
	return pid
}

func TestRebootMarksExited(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("run", "-d", img, "sleep", "1000"))
		pid := monitorPID(t, id)
		recordAnotherBoot(t, e)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, pid)
		// The first command after the "reboot" marks it exited: a stopped
		// container is removed without --force.
		if got := out(e.MustPod("ps", "-a", "--format", "{{.ID}} {{.Status}}")); !strings.HasPrefix(got, id[:12]+" Exited (255)") {
			t.Fatalf("ps -a after reboot: %q", got)
		}
		if got := out(e.MustPod("wait", id)); got != "255" {
			t.Fatalf("wait after reboot = %q, want 255", got)
		}
		e.MustPod("rm", id)
	})
}

func TestDeadMonitorReconciled(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("run", "-d", img, "sleep", "1000"))
		pid := monitorPID(t, id)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, pid)
		if got := out(e.MustPod("wait", id)); got != "255" {
			t.Fatalf("wait after the monitor died = %q, want 255", got)
		}
		// The container's processes went with the reconciliation, so it
		// starts again cleanly.
		e.MustPod("start", id)
		e.MustPod("rm", "-f", "-t", "0", id)
	})
}

func TestRestartPolicy(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		dir := e.Mkdir("runs")
		id := out(e.MustPod("run", "-d", "--restart", "on-failure:2", "-v", dir+":/runs", img, "sh", "-c", "echo run >> /runs/log; exit 1"))
		// Three runs: the first and two restarts.
		deadline := time.Now().Add(time.Minute)
		for {
			b, _ := os.ReadFile(filepath.Join(dir, "log"))
			if strings.Count(string(b), "run") >= 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("on-failure:2 ran %d times within a minute, want 3", strings.Count(string(b), "run"))
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Then it stays exited with two restarts recorded.
		for {
			st := out(e.MustPod("inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", id))
			if st == "exited 2 1" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("on-failure:2 ended as %q, want exited after 2 restarts with code 1", st)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "log")); strings.Count(string(b), "run") != 3 {
			t.Fatalf("on-failure:2 ran %d times, want 3", strings.Count(string(b), "run"))
		}
		e.Pod("run", "--rm", "--restart", "always", img, "true").Fails(t, 125, "the --rm option conflicts with --restart")
		// A stop is not a failure: no restart after it.
		e.MustPod("run", "-d", "--name", "always", "--restart", "always", img, "sleep", "1000")
		e.MustPod("stop", "-t", "0", "always")
		if st := out(e.MustPod("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", "always")); st != "exited 0" {
			t.Fatalf("restart always after stop: %q, want exited 0", st)
		}
		e.MustPod("rm", "always")
	})
}

func TestKilledCLI(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		for i, delay := range []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond, 80 * time.Millisecond, 120 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond} {
			name := fmt.Sprintf("k%d", i)
			cmd := e.Command(t.Context(), "run", "--name", name, img, "sleep", "1000")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			e.MustPod("ps", "-a")
			// Whatever the CLI left, rm -f cleans it up (or it never got
			// as far as creating the container).
			r := e.Pod("rm", "-f", "-t", "0", name)
			if r.Code != 0 && !(r.Code == 1 && strings.Contains(r.Stderr, "no such container")) {
				t.Fatalf("rm -f after killing run at %v: code %d stderr %q", delay, r.Code, r.Stderr)
			}
		}
		// A stop or rm killed midway is finished by the next rm -f.
		for i, verb := range [][]string{{"stop", "-t", "5"}, {"rm", "-f", "-t", "5"}} {
			name := fmt.Sprintf("v%d", i)
			e.MustPod("run", "-d", "--name", name, img, "sleep", "1000")
			cmd := e.Command(t.Context(), append(verb, name)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			// An interrupted stop leaves the container running, and ps says so.
			if got := out(e.MustPod("ps", "-a", "--format", "{{.Names}} {{.State}}")); got != name+" running" {
				t.Fatalf("after an interrupted %s: ps says %q", verb[0], got)
			}
			e.MustPod("rm", "-f", "-t", "0", name)
		}
		if got := e.MustPod("rm", "-a").Stdout; got != "" {
			t.Fatalf("containers left: %q", got)
		}
		// No root filesystem stays mounted.
		mounts, _ := os.ReadFile("/proc/self/mountinfo")
		if strings.Contains(string(mounts), filepath.Join(e.Root, "overlay")) {
			t.Fatalf("mounts left under %s", e.Root)
		}
	})
}

// TestKilledRunRm kills an attached pod run --rm while its container runs:
// the attached pod would have removed the container itself, so the monitor
// must now do it (its cleanup runs when pod's connection goes away).
func TestKilledRunRm(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		cmd := e.Command(t.Context(), "run", "--rm", "--name", "kr", img, "sh", "-c", "echo ready; sleep 1")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 6)
		if _, err := io.ReadFull(stdout, buf); err != nil || string(buf) != "ready\n" {
			t.Fatalf("read %q: %v", buf, err)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		waitFor(t, func() bool { return e.MustPod("ps", "-a", "-q").Stdout == "" })
	})
}

func TestRunSignalProxy(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		cmd := e.Command(t.Context(), "run", "--rm", img, "sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.1; done")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 6)
		if _, err := io.ReadFull(stdout, buf); err != nil || string(buf) != "ready\n" {
			t.Fatalf("read ready: %q %v", buf, err)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(stdout)
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 42 || string(rest) != "got TERM\n" {
			t.Fatalf("pod run after SIGTERM: %v, output %q; want exit 42 from the container's trap", err, rest)
		}

		// Without the proxy the signal is pod's own: SIGHUP ends pod and
		// the container keeps running. A SIGHUP this suite was started
		// ignoring (nohup) stays ignored in pod too, as it should.
		if signalIgnored(t, syscall.SIGHUP) {
			t.Log("SIGHUP is ignored in this test process (nohup?): --sig-proxy=false part skipped")
			return
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd = e.Command(ctx, "run", "--name", "noproxy", "--sig-proxy=false", img, "sh", "-c", "trap 'exit 42' HUP; echo ready; while :; do sleep 0.1; done")
		if stdout, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(stdout, buf); err != nil || string(buf) != "ready\n" {
			t.Fatalf("read ready: %q %v", buf, err)
		}
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if got := out(e.MustPod("ps", "--format", "{{.Names}}")); got != "noproxy" {
			t.Fatalf("--sig-proxy=false: running containers %q, want noproxy", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "noproxy")
	})
}

func TestRunDetachedRemove(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("run", "-d", "--rm", img, "sh", "-c", "exit 5"))
		// The monitor's cleanup removes it once it exited.
		deadline := time.Now().Add(time.Minute)
		for out(e.MustPod("ps", "-a", "-q")) != "" {
			if time.Now().After(deadline) {
				t.Fatalf("run -d --rm: %s still listed a minute later", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestKillStoppingContainer kills a container while a stop waits for it
// (PID 1 ignores SIGTERM, so the stop waits its whole timeout): the kill
// goes through at once and succeeds, the stop returns, as podman does.
func TestKillStoppingContainer(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "fl-slow", img, "sleep", "1000")
		stop := e.Command(t.Context(), "stop", "-t", "60", "fl-slow")
		var stopErr strings.Builder
		stop.Stderr = &stopErr
		if err := stop.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool {
			return out(e.MustPod("inspect", "--format", "{{.State.Status}}", "fl-slow")) == "stopping"
		})
		start := time.Now()
		if got := out(e.MustPod("kill", "fl-slow")); got != "fl-slow" {
			t.Fatalf("kill printed %q", got)
		}
		if err := stop.Wait(); err != nil {
			t.Fatalf("stop: %v: %s", err, stopErr.String())
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Fatalf("kill and stop took %v: the kill waited for the stop's timeout", d)
		}
		if got := out(e.MustPod("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "fl-slow")); got != "exited 137" {
			t.Fatalf("after kill: %q, want exited 137", got)
		}
		e.Pod("kill", "fl-slow").Fails(t, 125, "can only kill running containers")
	})
}

// TestRmDependents removes a container another one joins through
// --network container:X: refused without -f, naming the dependent (the
// dependent would be left unstartable), and with -f or --depend the
// dependent goes first, as podman does.
func TestRmDependents(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "fl-net", img, "sleep", "1000")
		depID := out(e.MustPod("create", "--name", "fl-dep", "--network", "container:fl-net", img, "sleep", "1000"))
		e.Pod("rm", "fl-net").Fails(t, 2, "container fl-net has dependent containers which must be removed before it: fl-dep")
		if got := e.MustPod("ps", "-a", "--format", "{{.Names}}").Lines(); len(got) != 2 {
			t.Fatalf("a refused rm removed something: %q", got)
		}
		e.MustPod("start", "fl-net")
		e.MustPod("start", "fl-dep")
		r := e.MustPod("rm", "-f", "-t", "0", "fl-net")
		if got := r.Lines(); strings.Join(got, ",") != depID+",fl-net" {
			t.Fatalf("rm -f printed %q, want the dependent's ID then fl-net", got)
		}
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers left after rm -f: %q", got)
		}
		e.MustPod("create", "--name", "fl-net", img, "true")
		e.MustPod("create", "--name", "fl-dep", "--network", "container:fl-net", img, "true")
		e.MustPod("rm", "--depend", "fl-net")
		if got := e.MustPod("ps", "-a", "-q").Stdout; got != "" {
			t.Fatalf("containers left after rm --depend: %q", got)
		}
		// rm -a removes dependents and what they depend on, in any order.
		e.MustPod("create", "--name", "fl-net", img, "true")
		e.MustPod("create", "--name", "fl-dep", "--network", "container:fl-net", img, "true")
		if got := len(e.MustPod("rm", "-a").Lines()); got != 2 {
			t.Fatalf("rm -a removed %d containers, want 2", got)
		}
	})
}

// TestRemoveMissingIgnored: removing or stopping what does not exist is no
// error with --force (rm, rmi, volume rm) or --ignore (rm, rmi, stop), as podman's
// and docker's; without them it still is. --cidfile names the container by
// the file run --cidfile wrote.
func TestRemoveMissingIgnored(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		for _, args := range [][]string{
			{"rm", "-f", "fl-missing"},
			{"rm", "--ignore", "fl-missing"},
			{"rm", "-fi", "--cidfile", e.Path("no-such-cidfile")},
			{"rmi", "-f", "localhost/fl-missing:latest"},
			{"rmi", "-i", "localhost/fl-missing:latest"},
			{"stop", "-i", "fl-missing"},
			{"stop", "--ignore", "--cidfile", e.Path("no-such-cidfile")},
			{"volume", "rm", "-f", "fl-missing"},
		} {
			if r := e.MustPod(args...); r.Stdout != "" || r.Stderr != "" {
				t.Fatalf("pod %v: stdout %q stderr %q, want nothing", args, r.Stdout, r.Stderr)
			}
		}
		e.Pod("rm", "fl-missing").Fails(t, 1, `no container with name or ID "fl-missing" found`)
		e.Pod("rmi", "localhost/fl-missing:latest").Fails(t, 1, "localhost/fl-missing:latest: image not known")
		e.Pod("stop", "fl-missing").Fails(t, 125, `no container with name or ID "fl-missing" found`)
		e.Pod("volume", "rm", "fl-missing").Fails(t, 1, `no volume with name "fl-missing" found`)
		e.Pod("stop", "--cidfile", e.Path("no-such-cidfile")).Fails(t, 125, "no such file or directory")

		cid := e.Path("fl.cid")
		id := out(e.MustPod("run", "-d", "--cidfile", cid, img, "sleep", "1000"))
		if b, err := os.ReadFile(cid); err != nil || string(b) != id {
			t.Fatalf("--cidfile holds %q (%v), want %s", b, err, id)
		}
		e.Pod("create", "--cidfile", cid, img, "true").Fails(t, 125, "container id file exists")
		if got := e.MustPod("ps", "-a", "-q").Lines(); len(got) != 1 {
			t.Fatalf("a create refused for its --cidfile left a container: %q", got)
		}
		if got := out(e.MustPod("stop", "-t", "0", "--cidfile", cid)); got != id {
			t.Fatalf("stop --cidfile printed %q", got)
		}
		if got := out(e.MustPod("rm", "--cidfile", cid)); got != id {
			t.Fatalf("rm --cidfile printed %q", got)
		}
		e.MustPod("rm", "-f", "--cidfile", cid)
	})
}

// TestRunNamespaceAndProcessFlags drives the run flags scripts type for
// namespaces and the process: --ipc/--pid/--uts host and container:NAME,
// --group-add, --sysctl, --shm-size, --tz, --expose with -P,
// --read-only-tmpfs, --device, and what every container gets:
// /run/.containerenv (podman's keys when --privileged), container=pod and
// TERM=xterm with -t.
func TestRunNamespaceAndProcessFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		run := func(args ...string) string {
			t.Helper()
			return out(e.MustPod(append([]string{"run", "--rm"}, args...)...))
		}
		// The namespaces pod itself runs in (rootless: its user namespace's).
		hostNS := func(ns string) string {
			t.Helper()
			if e.Rootless() {
				return out(e.MustPod("unshare", "readlink", "/proc/self/ns/"+ns))
			}
			l, err := os.Readlink("/proc/self/ns/" + ns)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		for _, ns := range []string{"ipc", "pid", "uts"} {
			if got, want := run("--"+ns, "host", img, "readlink", "/proc/self/ns/"+ns), hostNS(ns); got != want {
				t.Errorf("--%s host: %s, want the host's %s", ns, got, want)
			}
			if got := run(img, "readlink", "/proc/self/ns/"+ns); got == hostNS(ns) {
				t.Errorf("without --%s the container shares the host's %s namespace", ns, ns)
			}
		}
		host, _ := os.Hostname()
		if got := run("--uts", "host", img, "hostname"); got != host {
			t.Errorf("--uts host: hostname %q, want %q", got, host)
		}
		e.MustPod("run", "-d", "--name", "fl-ns", img, "sleep", "1000")
		nsOf := "readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc"
		want := out(e.MustPod("exec", "fl-ns", "sh", "-c", nsOf))
		if got := run("--pid", "container:fl-ns", "--ipc", "container:fl-ns", img, "sh", "-c", nsOf); got != want {
			t.Errorf("--pid/--ipc container:fl-ns: %q, want %q", got, want)
		}
		if got := run("--pid", "container:fl-ns", img, "sh", "-c", "ps -o args | grep -c '^sleep 1000'"); got != "1" {
			t.Errorf("--pid container:fl-ns does not see its sleep: %q", got)
		}
		e.Pod("run", "--rm", "--ipc", "bogus", img, "true").Fails(t, 125, `invalid --ipc "bogus"`)
		e.Pod("run", "--rm", "--uts", "host", "-h", "x", img, "true").Fails(t, 125, "--hostname cannot be set with --uts host")

		if got := run("--group-add", "1234", "--group-add", "nogroup", img, "id", "-G"); !strings.Contains(" "+got+" ", " 1234 ") || !strings.Contains(" "+got+" ", " 65534 ") {
			t.Errorf("--group-add 1234 --group-add nogroup: id -G %q", got)
		}
		e.Pod("run", "--rm", "--group-add", "no-such-group", img, "true").Fails(t, 125, "no such group")
		if got := run("--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmni=1000", img, "cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmni"); got != "1\n1000" {
			t.Errorf("--sysctl: %q", got)
		}
		e.Pod("run", "--rm", "--sysctl", "kernel.panic=1", img, "true").Fails(t, 125, "not a namespaced sysctl")
		if got := run("--shm-size", "1m", img, "grep", " /dev/shm ", "/proc/mounts"); !strings.Contains(got, "size=1024k") {
			t.Errorf("--shm-size 1m: %q", got)
		}
		e.Pod("run", "--rm", "--shm-size", "lots", img, "true").Fails(t, 125, `invalid --shm-size "lots"`)
		if got := run("--tz", "Asia/Tokyo", img, "date", "+%Z"); got != "JST" {
			t.Errorf("--tz Asia/Tokyo: date says %q", got)
		}
		e.Pod("run", "--rm", "--tz", "Mars/Olympus", img, "true").Fails(t, 125, `invalid --tz "Mars/Olympus"`)
		e.MustPod("run", "-d", "--name", "fl-exp", "--expose", "7000", "-P", img, "sleep", "1000")
		if got := out(e.MustPod("port", "fl-exp")); !strings.HasPrefix(got, "7000/tcp -> 0.0.0.0:") {
			t.Errorf("--expose 7000 -P: pod port says %q", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "fl-exp")
		run("--read-only", img, "sh", "-c", "touch /tmp/x /var/tmp/x /run/x")
		if r := e.Pod("run", "--rm", "--read-only", "--read-only-tmpfs=false", img, "touch", "/tmp/x"); r.Code == 0 {
			t.Errorf("--read-only-tmpfs=false: /tmp is writable")
		}
		if got := run("--device", "/dev/null:/dev/fl-null", img, "sh", "-c", "test -c /dev/fl-null && echo x > /dev/fl-null && echo ok"); got != "ok" {
			t.Errorf("--device /dev/null:/dev/fl-null: %q", got)
		}
		e.Pod("run", "--rm", "--device", "/etc/passwd", img, "true").Fails(t, 125, "is not a character or block device")

		if got := run(img, "sh", "-c", `test -f /run/.containerenv && wc -c < /run/.containerenv; echo "$container"`); got != "0\npod" {
			t.Errorf(".containerenv and $container: %q", got)
		}
		// Named without its tag, as podman the image is recorded with it.
		env := run("--privileged", "--name", "fl-priv", strings.TrimSuffix(img, ":latest"), "cat", "/run/.containerenv")
		rootless := "0"
		if e.Rootless() {
			rootless = "1"
		}
		imgID := out(e.MustPod("image", "inspect", "-f", "{{.Id}}", img))
		for _, kv := range []string{`engine="pod-`, `name="fl-priv"`, `id="`, `image="` + img + `"`, `imageid="` + imgID + `"`, "rootless=" + rootless} {
			if !strings.Contains(env, kv) {
				t.Errorf("--privileged .containerenv lacks %s: %q", kv, env)
			}
		}
		// podman's keys, in its order.
		var keys []string
		for _, l := range strings.Split(env, "\n") {
			k, _, _ := strings.Cut(l, "=")
			keys = append(keys, k)
		}
		if strings.Join(keys, " ") != "engine name id image imageid rootless" {
			t.Errorf("--privileged .containerenv keys %q, want podman's engine name id image imageid rootless", keys)
		}
		e.MustPod("run", "-d", "-t", "--name", "fl-tty", img, "sleep", "1000")
		if got := out(e.MustPod("exec", "fl-tty", "sh", "-c", "tr '\\0' '\\n' < /proc/1/environ | grep -E '^(TERM|container)='")); got != "TERM=xterm\ncontainer=pod" {
			t.Errorf("-t environment: %q", got)
		}

		// --rmi removes the name it ran, and the image once it has no other.
		e.MustPod("tag", img, "localhost/fl-rmi:1")
		if got := run("--rmi", "localhost/fl-rmi:1", "echo", "ran"); got != "ran" {
			t.Fatalf("run --rmi: %q", got)
		}
		if e.Pod("image", "exists", "localhost/fl-rmi:1").Code == 0 {
			t.Errorf("--rmi left localhost/fl-rmi:1")
		}
		e.MustPod("image", "exists", img)
	})
}

// TestStartAllWaitCondition: start --all starts every container that does
// not run, --filter only those it selects; wait --condition returns when
// the container reaches that state (-1: it has no exit code then), as
// podman's.
func TestStartAllWaitCondition(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "fl-s1", "-l", "fl=yes", img, "sleep", "1000")
		e.MustPod("create", "--name", "fl-s2", img, "sleep", "1000")
		if got := out(e.MustPod("start", "--filter", "label=fl=yes")); len(got) != 64 {
			t.Fatalf("start --filter label=fl=yes printed %q, want one ID", got)
		}
		if got := strings.Join(e.MustPod("ps", "--format", "{{.Names}}").Lines(), ","); got != "fl-s1" {
			t.Fatalf("after start --filter: running %q", got)
		}
		if got := len(e.MustPod("start", "--all").Lines()); got != 1 {
			t.Fatalf("start --all started %d containers, want the 1 not running", got)
		}
		if got := out(e.MustPod("wait", "--condition", "running", "fl-s2")); got != "-1" {
			t.Fatalf("wait --condition running: %q", got)
		}
		done := make(chan *Result, 1)
		go func() { done <- e.Pod("wait", "--condition", "stopped", "--interval", "50ms", "fl-s2") }()
		e.MustPod("stop", "-t", "0", "fl-s2")
		if r := <-done; r.Code != 0 || out(r) != "137" {
			t.Fatalf("wait --condition stopped: exit %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		e.Pod("wait", "--condition", "asleep", "fl-s1").Fails(t, 125, `invalid --condition "asleep"`)
		e.Pod("start", "--all", "fl-s1").Fails(t, 125, "--all and container names")
	})
}

// TestRunAttachStreams: run -a names the streams pod attaches; the others
// are not copied (they are still logged).
func TestRunAttachStreams(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		script := "echo out; echo err >&2"
		if r := e.MustPod("run", "--rm", "-a", "stdout", img, "sh", "-c", script); r.Stdout != "out\n" || r.Stderr != "" {
			t.Errorf("-a stdout: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		if r := e.MustPod("run", "--name", "fl-att", "-a", "STDERR", img, "sh", "-c", script); r.Stdout != "" || r.Stderr != "err\n" {
			t.Errorf("-a STDERR: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		if got := e.MustPod("logs", "fl-att").Stdout; got != "out\n" {
			t.Errorf("the stream not attached was not logged: %q", got)
		}
		e.Pod("run", "-d", "-a", "stdout", img, "true").Fails(t, 125, "cannot be used together")
		e.Pod("run", "-a", "stdpipe", img, "true").Fails(t, 125, `invalid --attach "stdpipe"`)
	})
}

// TestRunTimeout: --timeout N has the monitor kill the container N seconds
// after it started (podman's conmon --timeout): exit 137.
func TestRunTimeout(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		start := time.Now()
		r := e.Pod("run", "--rm", "--timeout", "1", img, "sleep", "100")
		if r.Code != 137 {
			t.Fatalf("run --timeout 1 sleep 100: exit %d stderr %q, want 137", r.Code, r.Stderr)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Fatalf("--timeout 1 took %v", d)
		}
		e.MustPod("run", "-d", "--name", "fl-to", "--timeout", "2", img, "sleep", "100")
		if got := out(e.MustPod("wait", "fl-to")); got != "137" {
			t.Fatalf("run -d --timeout 2: wait says %q", got)
		}
		// Without --timeout nothing is killed.
		if got := out(e.MustPod("run", "--rm", img, "sh", "-c", "sleep 2; echo done")); got != "done" {
			t.Fatalf("run without --timeout: %q", got)
		}
	})
}
