package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The flags of podman's that scripts pass to the container lifecycle
// commands: --cidfile and --filter beside names, restart --running, port
// --all, logs --color, ps --sync and --watch, cp --overwrite and --pause.

func TestLifecycleSelectFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		port := "21801"
		if e.Rootless() {
			port = "21802"
		}
		cidB := e.Path("b.cid")
		a := out(e.MustPod("run", "-d", "--name", "sf-a", "--label", "grp=x", "-p", port+":80", img, "sh", "-c", "echo from-a; exec sleep 1000"))
		b := out(e.MustPod("run", "-d", "--name", "sf-b", "--cidfile", cidB, img, "sh", "-c", "echo from-b; exec sleep 1000"))
		e.MustPod("create", "--name", "sf-c", img, "true")
		status := func(name string) string {
			return out(e.MustPod("inspect", "--format", "{{.State.Status}}", name))
		}

		// port --all: every running container's ports, after its short ID.
		if got := out(e.MustPod("port", "--all")); got != a[:12]+"\t80/tcp -> 0.0.0.0:"+port {
			t.Errorf("port --all: %q", got)
		}
		if got := out(e.MustPod("port", "-a", "80")); got != a[:12]+"\t0.0.0.0:"+port {
			t.Errorf("port -a 80: %q", got)
		}

		// logs --color: each container's prefix in a color of its own.
		waitFor(t, func() bool {
			return strings.Contains(e.MustPod("logs", "sf-a").Stdout, "from-a") && strings.Contains(e.MustPod("logs", "sf-b").Stdout, "from-b")
		})
		logs := e.MustPod("logs", "--color", "sf-a", "sf-b").Stdout
		for _, want := range []string{"\x1b[0;32m" + a[:12] + "\x1b[0m from-a\n", "\x1b[0;33m" + b[:12] + "\x1b[0m from-b\n"} {
			if !strings.Contains(logs, want) {
				t.Errorf("logs --color: %q lacks %q", logs, want)
			}
		}

		// pause and unpause --filter: only what matches.
		if r := e.Pod("pause", "--filter", "label=grp=x"); r.Code != 0 && strings.Contains(r.Stderr, "not supported for rootless") {
			t.Log("no freezer for rootless containers here: pause --filter not checked")
		} else {
			r.Success(t)
			if got := out(r); got != a {
				t.Errorf("pause --filter printed %q, want %s", got, a)
			}
			if status("sf-a") != "paused" || status("sf-b") != "running" {
				t.Errorf("after pause --filter: sf-a %s, sf-b %s", status("sf-a"), status("sf-b"))
			}
			e.MustPod("unpause", "--filter", "name=sf-a")
			if s := status("sf-a"); s != "running" {
				t.Errorf("after unpause --filter: sf-a %s", s)
			}
		}

		// kill --cidfile: the container whose ID run --cidfile wrote.
		e.MustPod("kill", "--cidfile", cidB)
		e.MustPod("wait", "sf-b")

		// restart --running: sf-a only (sf-b exited, sf-c never ran).
		if got := out(e.MustPod("restart", "--running", "-t", "0")); got != a {
			t.Errorf("restart --running printed %q, want %s", got, a)
		}
		if status("sf-b") != "exited" || status("sf-c") != "created" {
			t.Errorf("after restart --running: sf-b %s, sf-c %s", status("sf-b"), status("sf-c"))
		}
		e.MustPod("restart", "--filter", "name=sf-b", "-t", "0")
		if s := status("sf-b"); s != "running" {
			t.Errorf("after restart --filter name=sf-b: %s", s)
		}
		e.Pod("restart", "--running", "sf-a").Fails(t, 125, "--running and container names")

		// rm --filter: what matches, here with -f while it runs.
		e.MustPod("rm", "-f", "-t", "0", "--filter", "label=grp=x")
		if r := e.Pod("container", "exists", "sf-a"); r.Code != 1 {
			t.Errorf("exists sf-a after rm --filter: exit %d", r.Code)
		}
		e.MustPod("container", "exists", "--external", "sf-b")
		if r := e.Pod("container", "exists", "--external", "sf-nothing"); r.Code != 1 {
			t.Errorf("exists --external sf-nothing: exit %d", r.Code)
		}
		e.MustPod("rm", "-f", "-t", "0", "sf-b", "sf-c")
	})
}

func TestPsSyncWatch(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("run", "-d", "--name", "sf-w", img, "sleep", "1000"))

		// --watch redraws until interrupted, which ends it with 0.
		cmd := e.Command(context.Background(), "ps", "--watch", "1", "--format", "{{.Names}}")
		var stdout syncBuffer
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		const clear = "\x1b[H\x1b[2J"
		waitFor(t, func() bool { return strings.Count(stdout.String(), "sf-w\n") >= 2 })
		_ = cmd.Process.Signal(syscall.SIGINT)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("ps --watch interrupted: %v (stdout %q)", err, stdout.String())
		}
		if got := stdout.String(); strings.Count(got, "sf-w\n") < 2 || !strings.HasPrefix(got, clear+"sf-w\n") {
			t.Errorf("ps --watch 1: %q, want screens listing sf-w", got)
		}
		e.Pod("ps", "--watch", "-1").Fails(t, 125, "--watch")

		// --sync: a container frozen behind pod's back shows as paused.
		if e.Rootless() {
			e.MustPod("ps", "--sync") // nothing to change; runs the same code
			return
		}
		dirs, _ := filepath.Glob(filepath.Join(e.RunRoot, "pod", "runtime", "*"))
		if len(dirs) != 1 {
			t.Fatalf("runtime state directories: %v", dirs)
		}
		runtime := filepath.Base(dirs[0])
		if b, err := exec.Command(runtime, "--root", dirs[0], "pause", id).CombinedOutput(); err != nil {
			t.Fatalf("%s pause: %v: %s", runtime, err, b)
		}
		defer exec.Command(runtime, "--root", dirs[0], "resume", id).Run()
		if got := out(e.MustPod("ps", "--format", "{{.Status}}")); !strings.HasPrefix(got, "Up") {
			t.Errorf("ps before --sync: %q, want Up (pod was not told)", got)
		}
		if got := out(e.MustPod("ps", "--sync", "--format", "{{.Status}}")); !strings.Contains(got, "Paused") {
			t.Errorf("ps --sync: %q, want Paused", got)
		}
		e.MustPod("unpause", "sf-w")
		e.MustPod("rm", "-f", "-t", "0", "sf-w")
	})
}

func TestCpOverwritePause(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "sf-cp", img, "true")
		// dirA/d is a directory; dirB/d a file.
		for _, d := range []string{"dirA/d", "dirB"} {
			e.Mkdir(d)
		}
		e.WriteFile("dirB/d", []byte("file\n"))
		e.MustPod("cp", e.Path("dirA"), "sf-cp:/x")
		e.Pod("cp", e.Path("dirB")+"/.", "sf-cp:/x").Fails(t, 125, "cannot overwrite directory")
		e.MustPod("cp", "--overwrite", e.Path("dirB")+"/.", "sf-cp:/x")
		if got := e.MustPod("cp", "sf-cp:/x/d", "-").Stdout; !strings.Contains(got, "file\n") {
			t.Errorf("/x/d after cp --overwrite: %q, want the file", got)
		}
		// And back: a directory where a file is.
		e.Pod("cp", e.Path("dirA")+"/.", "sf-cp:/x").Fails(t, 125, "cannot overwrite non-directory")
		e.MustPod("cp", "--overwrite", e.Path("dirA")+"/.", "sf-cp:/x")
		e.MustPod("rm", "sf-cp")

		// --pause: the running source is frozen while read, then runs on.
		e.MustPod("run", "-d", "--name", "sf-cp2", img, "sleep", "1000")
		if got := e.MustPod("cp", "--pause", "sf-cp2:/etc/hostname", "-").Stdout; got == "" {
			t.Error("cp --pause copied nothing")
		}
		if s := out(e.MustPod("inspect", "--format", "{{.State.Status}}", "sf-cp2")); s != "running" {
			t.Errorf("after cp --pause: %s", s)
		}
		e.MustPod("rm", "-f", "-t", "0", "sf-cp2")
	})
}

// TestGlobalFlags: podman's global flags work, are ignored where podman
// ignores them, or are refused with one line naming why.
func TestGlobalFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		for _, tc := range []struct {
			args []string
			want string // in the Error line
		}{
			{[]string{"--url", "unix:///run/x.sock", "ps"}, "--url: pod has no remote client"},
			{[]string{"--connection", "x", "ps"}, "--connection: pod has no remote client"},
			{[]string{"-c", "x", "ps"}, "-c (--connection): pod has no remote client"},
			{[]string{"--log-level", "info", "-c=x", "ps"}, "pod has no remote client"},
			{[]string{"-r", "ps"}, "--remote: pod has no remote client"},
			{[]string{"--tmpdir", "/tmp", "ps"}, "--tmpdir: pod keeps its per-boot state"},
			{[]string{"--network-config-dir", "/tmp", "ps"}, "--network-config-dir"},
			{[]string{"--cni-config-dir", "/tmp", "ps"}, "--cni-config-dir"},
			{[]string{"--namespace", "ns", "ps"}, "--namespace"},
			{[]string{"--imagestore", "/tmp", "ps"}, "--imagestore"},
			{[]string{"--db-backend", "boltdb", "ps"}, "--db-backend"},
			{[]string{"--events-backend", "syslog", "ps"}, "--events-backend"},
			{[]string{"--ssh", "putty", "ps"}, "--ssh"},
			{[]string{"--conmon", "/bin/true", "ps"}, "--conmon /bin/true: pod's monitor is pod-conmon"},
			{[]string{"--noout", "--out", e.Path("o"), "ps"}, "--noout and --out"},
			{[]string{"--module", "no-such.conf", "ps"}, `module "no-such.conf"`},
			{[]string{"--runtime-flag", "no-such-flag", "run", "--rm", img, "true"}, "no-such-flag"},
		} {
			e.Pod(tc.args...).Fails(t, 125, tc.want)
		}
		// Ignored, as podman ignores them on a local engine.
		for _, args := range [][]string{
			{"--config", e.Dir, "ps"}, {"--identity", "/nonexistent", "ps"}, {"--ssh", "native", "ps"},
			{"--db-backend", "sqlite", "ps"}, {"--log-level", "warning", "ps"},
		} {
			e.MustPod(args...)
		}
		if r := e.MustPod("-v"); !strings.HasPrefix(r.Stdout, "pod version ") {
			t.Errorf("-v: %q", r.Stdout)
		}

		// --noout and --out take pod's own output; a container's stays.
		if r := e.MustPod("--noout", "images"); r.Stdout != "" {
			t.Errorf("--noout images: %q", r.Stdout)
		}
		if r := e.MustPod("--noout", "run", "--rm", img, "echo", "hi"); r.Stdout != "hi\n" {
			t.Errorf("--noout run: %q", r.Stdout)
		}
		outFile := e.Path("out.txt")
		if r := e.MustPod("--out", outFile, "create", "--name", "sf-out", img, "true"); r.Stdout != "" {
			t.Errorf("--out create: stdout %q", r.Stdout)
		}
		if b, _ := os.ReadFile(outFile); len(strings.TrimSpace(string(b))) != 64 {
			t.Errorf("--out file: %q, want the container ID", b)
		}

		// --events-backend none records nothing; the default does.
		e.MustPod("--events-backend", "none", "create", "--name", "sf-quiet", img, "true")
		if got := e.MustPod("events", "--stream=false", "--filter", "container=sf-quiet").Stdout; got != "" {
			t.Errorf("events of a container made with --events-backend none: %q", got)
		}
		if got := e.MustPod("events", "--stream=false", "--filter", "container=sf-out").Stdout; !strings.Contains(got, "create") {
			t.Errorf("events of sf-out: %q", got)
		}

		// --volumepath: named volumes live there.
		vols := e.Mkdir("vols")
		e.MustPod("--volumepath", vols, "volume", "create", "sf-vol")
		if got := out(e.MustPod("--volumepath", vols, "volume", "inspect", "--format", "{{.Mountpoint}}", "sf-vol")); !strings.HasPrefix(got, vols+"/") {
			t.Errorf("--volumepath: mountpoint %q not under %s", got, vols)
		}

		// --module: a containers.conf module read after the files.
		mod := e.WriteFile("mod.conf", []byte("[containers]\nenv = [\"FROM_MODULE=yes\"]\n"))
		if got := out(e.MustPod("--module", mod, "run", "--rm", img, "sh", "-c", "echo $FROM_MODULE")); got != "yes" {
			t.Errorf("--module env: %q", got)
		}

		// --hooks-dir: the OCI hooks there run, with the container's state.
		hooksDir := e.Mkdir("hooks")
		hookOut := e.Path("hook.out")
		e.WriteFile("hooks/sf.json", []byte(`{"version":"1.0.0","hook":{"path":"/bin/sh","args":["sh","-c","cat > `+hookOut+`"]},"when":{"always":true},"stages":["createRuntime"]}`))
		e.MustPod("--hooks-dir", hooksDir, "run", "--name", "sf-hook", img, "true")
		if b, err := os.ReadFile(hookOut); err != nil || !strings.Contains(string(b), `"ociVersion"`) {
			t.Errorf("hook output: %q, %v", b, err)
		}
		e.WriteFile("hooks/bad.json", []byte(`{"version":"1.0.0","hook":{"path":"sh"},"when":{"always":true},"stages":["prestart"]}`))
		e.Pod("--hooks-dir", hooksDir, "start", "sf-hook").Fails(t, 125, "bad.json")
		e.MustPod("rm", "sf-hook")

		// --runtime-flag reaches the runtime: runc and crun both take --debug.
		e.MustPod("--runtime-flag", "debug", "run", "--rm", img, "true")

		// --conmon: the monitor binary, here the suite's own.
		e.MustPod("--conmon", filepath.Join(filepath.Dir(suite.pod), "pod-conmon"), "run", "--rm", img, "true")

		// --network-cmd-path: the slirp4netns rootless networking runs.
		if e.Rootless() {
			e.Pod("--network-cmd-path", "/nonexistent/slirp4netns", "run", "--rm", img, "true").Fails(t, 125, "--network-cmd-path /nonexistent/slirp4netns")
			if p, err := exec.LookPath("slirp4netns"); err == nil {
				e.MustPod("--network-cmd-path", p, "run", "--rm", img, "true")
			}
		}

		// --syslog: the system logger, or one line saying it is not there.
		if _, err := os.Stat("/dev/log"); err != nil {
			e.Pod("--syslog", "ps").Fails(t, 125, "--syslog: connect to the system logger")
		} else {
			e.MustPod("--syslog", "ps")
		}
		e.MustPod("rm", "sf-out", "sf-quiet")
	})
}

// TestCompletionNames: the names completed for the commands that take
// them, from the storage the command line names.
func TestCompletionNames(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "sf-ctr", img, "true")
		e.MustPod("pod", "create", "--name", "sf-pod")
		e.MustPod("volume", "create", "sf-vol")
		e.MustPod("secret", "create", "sf-sec", e.WriteFile("secret", []byte("x")))
		complete := func(args ...string) []string {
			t.Helper()
			var names []string
			for _, l := range e.MustPod(append([]string{"__complete"}, args...)...).Lines() {
				if !strings.HasPrefix(l, ":") && !strings.HasPrefix(l, "Completion ended") {
					names = append(names, l)
				}
			}
			return names
		}
		for _, tc := range []struct {
			args          []string
			want, notWant string
		}{
			{[]string{"rm", ""}, "sf-ctr", "sf-pod"},
			{[]string{"container", "logs", "sf-"}, "sf-ctr", "sf-vol"},
			{[]string{"port", ""}, "sf-ctr", ""},
			{[]string{"pod", "rm", ""}, "sf-pod", "sf-ctr"},
			{[]string{"pod", "inspect", "sf"}, "sf-pod", "sf-ctr"},
			{[]string{"generate", "systemd", ""}, "sf-ctr", ""},
			{[]string{"inspect", "sf-"}, "sf-vol", ""},
			{[]string{"inspect", ""}, "sf-pod", ""},
			{[]string{"diff", ""}, img, ""},
			{[]string{"volume", "inspect", ""}, "sf-vol", "sf-ctr"},
			{[]string{"secret", "rm", ""}, "sf-sec", "sf-ctr"},
			{[]string{"network", "reload", ""}, "sf-ctr", "podman"},
			{[]string{"network", "connect", ""}, "podman", "sf-ctr"},
			{[]string{"network", "connect", "podman", ""}, "sf-ctr", "podman"},
			{[]string{"image", "rm", ""}, img, "sf-ctr"},
		} {
			got := complete(tc.args...)
			if !slicesContains(got, tc.want) || (tc.notWant != "" && slicesContains(got, tc.notWant)) {
				t.Errorf("complete %q: %q, want %s and not %q", tc.args, got, tc.want, tc.notWant)
			}
		}
		e.MustPod("pod", "rm", "sf-pod")
		e.MustPod("secret", "rm", "sf-sec")
	})
}

func TestNetworkSmallFlags(t *testing.T) {
	// In turn: the two halves would make bridges for the same subnets.
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.Pod("network", "create", "--ipam-driver", "dhcp", "sf-x").Fails(t, 125, "--ipam-driver dhcp")
		e.Pod("network", "create", "--ipam-driver", "bogus", "sf-x").Fails(t, 125, "unsupported ipam driver")
		e.MustPod("network", "create", "--ipam-driver", "host-local", "--subnet", "10.138.1.0/24", "sf-net")
		e.MustPod("network", "create", "--subnet", "10.138.2.0/24", "--subnet", "fd00:138:2::/64", "sf-net6")
		if got := e.MustPod("network", "ls", "--noheading", "--filter", "name=^sf-net$").Lines(); len(got) != 1 || !strings.Contains(got[0], "sf-net") {
			t.Errorf("network ls --noheading: %q", got)
		}

		e.MustPod("create", "--name", "sf-n", "--network", "sf-net", img, "sleep", "1000")
		e.Pod("network", "connect", "--ip6", "10.138.2.9", "sf-net6", "sf-n").Fails(t, 125, "invalid --ip6")
		e.MustPod("network", "connect", "--ip6", "fd00:138:2::99", "sf-net6", "sf-n")
		e.MustPod("start", "sf-n")
		id := out(e.MustPod("inspect", "--format", "{{.Id}}", "sf-n"))
		if got := e.MustPod("exec", "sf-n", "ip", "-6", "addr").Stdout; !strings.Contains(got, "fd00:138:2::99/64") {
			t.Errorf("addresses after connect --ip6: %s", got)
		}
		if got := out(e.MustPod("network", "reload", "--latest")); !strings.HasPrefix(id, got) || len(got) < 12 {
			t.Errorf("network reload --latest: %q, want sf-n's ID", got)
		}
		if e.Rootless() {
			// unshare --rootless-netns: the namespace the bridges are in.
			host := out(e.MustPod("unshare", "readlink", "/proc/self/ns/net"))
			inner := out(e.MustPod("unshare", "--rootless-netns", "readlink", "/proc/self/ns/net"))
			if host == inner || !strings.HasPrefix(inner, "net:") {
				t.Errorf("unshare --rootless-netns: %q, plain unshare %q", inner, host)
			}
		}
		// network rm -f -t 0: the user is killed at once, then the network goes.
		e.MustPod("network", "rm", "-f", "-t", "0", "sf-net6")
		if r := e.Pod("container", "exists", "sf-n"); r.Code != 1 {
			t.Errorf("sf-n after network rm -f: exit %d", r.Code)
		}
		if e.Rootless() {
			e.Pod("unshare", "--rootless-netns", "true").Fails(t, 125, "no rootless network namespace")
		}
		e.MustPod("network", "rm", "sf-net")
	})
}

func TestSystemPruneFilterCORS(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "sf-keep", img, "true")
		e.MustPod("create", "--name", "sf-drop", "--label", "sf=drop", img, "true")
		e.MustPod("network", "create", "--label", "sf=drop", "sf-dropnet")
		e.MustPod("network", "create", "sf-keepnet")
		e.Pod("system", "prune", "-f", "--filter", "colour=red").Fails(t, 125, "colour")
		e.MustPod("system", "prune", "-f", "--filter", "label=sf=drop")
		if got := strings.Join(e.MustPod("ps", "-a", "--format", "{{.Names}}").Lines(), ","); got != "sf-keep" {
			t.Errorf("containers after system prune --filter label=sf=drop: %q", got)
		}
		nets := strings.Join(e.MustPod("network", "ls", "--format", "{{.Name}}").Lines(), ",")
		if strings.Contains(nets, "sf-dropnet") || !strings.Contains(nets, "sf-keepnet") {
			t.Errorf("networks after system prune --filter: %q", nets)
		}
		e.MustPod("system", "prune", "-f", "--filter", "until=2000-01-01")
		e.MustPod("container", "exists", "sf-keep")
		e.MustPod("rm", "sf-keep")
		e.MustPod("network", "rm", "sf-keepnet")

		// system service --cors: every answer allows that origin.
		s := startService(t, e, "--cors", "https://example.test")
		req, _ := http.NewRequest(http.MethodOptions, "http://pod/_ping", nil)
		resp, err := s.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://example.test" {
			t.Errorf("preflight: %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
		s.stop()
	})
}

// syncBuffer is a strings.Builder that a command writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
