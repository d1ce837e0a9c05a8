package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBuildImageFlags: what podman's build flags put in the image. --from
// replaces the first FROM; --build-context names a directory and an image
// for COPY --from and RUN --mount from=; --skip-unused-stages=false builds
// a stage the target does not use; --timestamp fixes the creation time and
// every file's mtime, so that a rebuild without cache gives the same ID;
// --squash-all makes one layer; --omit-history, --annotation, --unsetenv
// and the identity label; --platform flags set the configuration and
// refuse RUN; a Dockerfile.in goes through cpp; --logsplit names the log file; refused flags say why.
func TestBuildImageFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := suite.images.Busybox
		e.MustPod("pull", "-q", bb)
		extra := writeContext(t, e, "extra", map[string]string{"e.txt": "named context\n"})
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": `FROM localhost/replaced-by-from AS base
RUN echo base > /base.txt
FROM base AS unusedstage
RUN echo unused-stage-ran
FROM base
ENV KEEP=1 DROP=2
COPY --from=extra /e.txt /e.txt
COPY --from=img /bin/busybox /copied-busybox
RUN --mount=type=bind,from=extra,target=/mnt cat /mnt/e.txt > /mounted.txt
`})
		args := []string{"build", "--from", bb, "--build-context", "extra=" + extra, "--build-context", "img=docker-image://" + bb,
			"--skip-unused-stages=false", "--timestamp", "1700000000", "--squash-all", "--omit-history",
			"--annotation", "org.test.note=yes", "--unsetenv", "DROP", "--rm", "--force-rm", "--compress",
			"--disable-compression", "--disable-content-trust", "--isolation", "oci", "--no-cache"}
		r := e.MustPod(append(args, "-t", "flags1", ctxDir)...)
		if !strings.Contains(r.Stdout, "unused-stage-ran") || !strings.Contains(r.Stdout, "FROM "+bb+" AS base") {
			t.Errorf("--skip-unused-stages=false / --from:\n%s", r.Stdout)
		}
		id := out(e.MustPod("image", "inspect", "-f", "{{.Id}}", "flags1"))
		got := out(e.MustPod("image", "inspect", "-f", `{{.Created.Unix}} {{len .RootFS.Layers}} {{len .History}} {{index .Annotations "org.test.note"}} {{index .Labels "io.pod.version"}} {{.Config.Env}}`, "flags1"))
		if f := strings.Fields(got); len(f) < 5 || f[0] != "1700000000" || f[1] != "1" || f[2] != "0" || f[3] != "yes" || f[4] == "" || strings.Contains(got, "DROP") || !strings.Contains(got, "KEEP=1") {
			t.Errorf("image: %q, want created 1700000000, 1 layer, no history, the annotation, the identity label, no DROP", got)
		}
		got = e.MustPod("run", "--rm", "flags1", "sh", "-c", "cat /base.txt /e.txt /mounted.txt; stat -c %Y /e.txt /base.txt /bin; test -x /copied-busybox && echo copied").Stdout
		if want := "base\nnamed context\nnamed context\n1700000000\n1700000000\n1700000000\ncopied\n"; got != want {
			t.Errorf("built files:\n%q\nwant\n%q", got, want)
		}
		// Reproducible: the same inputs, built again, give the same image.
		if again := e.MustPod(append(args, "-q", ctxDir)...); out(again) != id {
			t.Errorf("--timestamp rebuild: %q, want %s", out(again), id)
		}

		// The platform flags set the configuration; RUN cannot run.
		other := "arm64"
		if runtime.GOARCH == "arm64" {
			other = "amd64"
		}
		scratch := writeContext(t, e, "scratch", map[string]string{"Containerfile": "FROM scratch\nCOPY f /f\n", "f": "x\n", "run": "FROM scratch\nCOPY f /f\nRUN true\n",
			"Containerfile.in": "FROM scratch\n#include \"part\"\n#ifdef WITH_G\nCOPY f /g\n#endif\n", "part": "COPY f /f\n"})
		// A Dockerfile named *.in goes through cpp, with --cpp-flag.
		if r := e.MustPod("build", "--cpp-flag", "-DWITH_G", "-f", filepath.Join(scratch, "Containerfile.in"), scratch); !strings.Contains(r.Stdout, "STEP 2/3: COPY f /f") || !strings.Contains(r.Stdout, "STEP 3/3: COPY f /g") {
			t.Errorf("--cpp-flag:\n%s", r.Stdout)
		}
		logfile := e.Path("build.log")
		e.MustPod("build", "--os", "linux", "--arch", other, "--variant", "v8", "--os-version", "1.0", "--os-feature", "feat",
			"--identity-label=false", "--logfile", logfile, "--logsplit", "-t", "foreign", scratch)
		if got := out(e.MustPod("image", "inspect", "-f", `{{.Os}}/{{.Architecture}}/{{.Variant}} {{len .Labels}}`, "foreign")); got != "linux/"+other+"/v8 0" {
			t.Errorf("--os/--arch/--variant/--identity-label=false: %q", got)
		}
		if b, err := os.ReadFile(logfile + "_linux_" + other); err != nil || !strings.Contains(string(b), "COPY f /f") {
			t.Errorf("--logsplit: %v %q", err, b)
		}
		e.Pod("build", "--platform", "linux/"+other, "-f", filepath.Join(scratch, "run"), scratch).Fails(t, 125, "cannot run a RUN step")
		e.Pod("build", "--sign-by", "someone@example.com", scratch).Fails(t, 125, "--sign-by is not supported")
		e.Pod("build", "--isolation", "chroot", scratch).Fails(t, 125, "invalid --isolation")
		e.Pod("build", "--build-context", "x=https://example.com/c.tar", scratch).Fails(t, 125, "remote contexts are not supported")
		e.Pod("build", "--logsplit", scratch).Fails(t, 125, "--logsplit needs --logfile")
	})
}

// TestBuildRunStepFlags: the container flags of podman's build reach every
// RUN step, through run's own machinery: capabilities, security options,
// /dev/shm, DNS, --no-hosts, the UTS namespace, a user namespace map,
// --http-proxy's variables (not kept in the image) and --stdin.
func TestBuildRunStepFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := suite.images.Busybox
		e.MustPod("pull", "-q", bb)
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": "FROM " + bb + `
RUN grep -E '^(CapEff|NoNewPrivs)' /proc/self/status > /status; df -k /dev/shm | tail -1 | awk '{print $2}' > /shm; \
    grep -v '^#' /etc/resolv.conf > /resolv; (cat /etc/hosts 2>/dev/null || echo no-hosts) > /hosts; hostname > /hostname; \
    awk '{print $1, $3}' /proc/self/uid_map > /uidmap; echo "$HTTP_PROXY" > /proxy; cat > /stdin.txt; \
    cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max > /mem 2>/dev/null; true
`})
		maps, wantMap := []string{"--userns-uid-map", "0:1:5000", "--userns-gid-map", "0:1:5000"}, "0 5000\n"
		if !e.Rootless() {
			maps, wantMap = []string{"--userns-uid-map", "0:200000:5000", "--userns-gid-map", "0:200000:5000"}, "0 5000\n"
			// As root, a user's /etc/subuid ranges (the rootless test
			// user's, when there is one) may stand for the maps.
			if u := suite.rootless; u != "" && u != "self" {
				maps, wantMap = []string{"--userns-uid-map-user", u, "--userns-gid-map-group", u}, subIDMap(t, "/etc/subuid", u)
			}
		}
		hostIPC, _ := os.Readlink("/proc/self/ns/ipc")
		e.ExtraEnv = append(e.ExtraEnv, "HTTP_PROXY=http://10.137.0.9:3128")
		args := append([]string{"build", "-q", "-t", "runflags", "--cap-drop", "all", "--cap-add", "CAP_CHOWN", "--cap-add", "CAP_DAC_OVERRIDE",
			"--security-opt", "no-new-privileges", "--shm-size", "17m", "--dns", "10.137.0.53", "--dns-search", "build.test",
			"--dns-option", "ndots:3", "--no-hosts", "--uts", "host", "--stdin", "--memory", "64m", "--cpu-shares", "512"}, maps...)
		e.PodStdin(strings.NewReader("from stdin\n"), append(args, ctxDir)...).Success(t)
		host, _ := os.Hostname()
		got := e.MustPod("run", "--rm", "runflags", "cat", "/status", "/shm", "/resolv", "/hosts", "/hostname", "/uidmap", "/proxy", "/stdin.txt").Stdout
		want := "CapEff:\t0000000000000003\nNoNewPrivs:\t1\n17408\nsearch build.test\nnameserver 10.137.0.53\noptions ndots:3\nno-hosts\n" +
			host + "\n" + wantMap + "http://10.137.0.9:3128\nfrom stdin\n"
		if got != want {
			t.Errorf("RUN step saw:\n%q\nwant\n%q", got, want)
		}
		// Files a RUN step under a user namespace map made belong to the
		// IDs it saw.
		if got := out(e.MustPod("run", "--rm", "runflags", "stat", "-c", "%u:%g", "/status")); got != "0:0" {
			t.Errorf("a file the mapped RUN step wrote is owned by %s, want 0:0", got)
		}
		// Without a delegated cgroup (rootless on cgroup v1) limits are dropped, as run's.
		if !e.Rootless() || hostCgroupV2() {
			if got := out(e.MustPod("run", "--rm", "runflags", "cat", "/mem")); got != "67108864" {
				t.Errorf("--memory 64m: the RUN step's limit was %q", got)
			}
		}
		if env := out(e.MustPod("image", "inspect", "-f", "{{.Config.Env}}", "runflags")); strings.Contains(env, "PROXY") {
			t.Errorf("--http-proxy's variable kept in the image: %s", env)
		}
		// --http-proxy=false passes none; --ipc host shares pod's IPC namespace.
		df := "FROM " + bb + "\nRUN echo \"proxy=$HTTP_PROXY\"; echo ipc=$(readlink /proc/self/ns/ipc)\n"
		r := e.PodStdin(strings.NewReader(df), "build", "--http-proxy=false", "--ipc", "host", "-f", "-", ctxDir).Success(t)
		if !strings.Contains(r.Stdout, "proxy=\n") || !strings.Contains(r.Stdout, "ipc="+hostIPC+"\n") {
			t.Errorf("--http-proxy=false --ipc host (want ipc=%s):\n%s", hostIPC, r.Stdout)
		}
		if e.Rootless() {
			e.Pod("build", "--userns-uid-map-user", "nobody", ctxDir).Fails(t, 125, "need root")
		}
		e.Pod("build", "--no-hosts", "--add-host", "a:10.137.0.1", ctxDir).Fails(t, 125, "--no-hosts and --add-host")
	})
}

// subIDMap is what /proc/self/uid_map's first and third columns show for
// a container mapped to user's ranges of file, from 0 up.
func subIDMap(t *testing.T, file, user string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	next := 0
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, ":")
		if len(f) == 3 && f[0] == user {
			fmt.Fprintf(&out, "%d %s\n", next, f[2])
			n := 0
			fmt.Sscan(f[2], &n)
			next += n
		}
	}
	return out.String()
}

// TestBuildRemoteCache: --cache-to pushes each step's image to a registry
// repository and --cache-from, in a store that never built the
// Dockerfile, takes the steps from there; --creds reaches a registry that
// demands a login; --retry retries a registry that does not answer.
func TestBuildRemoteCache(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := suite.images.Busybox
		repo := fmt.Sprintf("%s/build-cache-%s-%d", suite.registry.Addr, e.Name, time.Now().UnixNano())
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": "FROM " + bb + "\nRUN echo one > /one\nCOPY f /f\nRUN echo two > /two\n", "f": "f\n"})
		first := e.MustPod("build", "--cache-to", repo, "--tls-verify=false", "-t", "cached", ctxDir)
		if _, cached := cacheLines(first.Stdout); cached != 0 {
			t.Fatalf("first build used a cache:\n%s", first.Stdout)
		}
		id := out(e.MustPod("image", "inspect", "-f", "{{.Id}}", "cached"))
		other := NewEnv(t, e.Rootless())
		r := other.MustPod("build", "--cache-from", repo, "--tls-verify=false", "-t", "cached", ctxDir)
		if steps, cached := cacheLines(r.Stdout); steps != 3 || cached != 3 {
			t.Errorf("--cache-from: %d of %d steps from the cache:\n%s", cached, steps, r.Stdout)
		}
		if got := out(other.MustPod("image", "inspect", "-f", "{{.Id}}", "cached")); got != id {
			t.Errorf("--cache-from built %s, want the first build's %s", got, id)
		}

		// --creds: the base image is behind a login.
		addr, _ := authRegistry(t, "builder", "s3cret", false)
		private := addr + "/private/busybox:1"
		e.MustPod("push", "-q", "--tls-verify=false", "--creds", "builder:s3cret", bb, private)
		priv := writeContext(t, e, "priv", map[string]string{"Dockerfile": "FROM " + private + "\n"})
		other.Pod("build", "--tls-verify=false", "--retry", "0", priv).Fails(t, 125, "")
		other.MustPod("build", "--tls-verify=false", "--creds", "builder:s3cret", "-q", priv)

		// --retry: a registry that is not there is tried again, after the delay.
		gone := writeContext(t, e, "gone", map[string]string{"Dockerfile": "FROM 127.0.0.1:21799/nothing:1\n"})
		start := time.Now()
		r = e.Pod("build", "--tls-verify=false", "--retry", "2", "--retry-delay", "500ms", gone)
		r.Fails(t, 125, "127.0.0.1:21799")
		if d := time.Since(start); d < time.Second || strings.Count(r.Stderr, "retrying in 500ms") != 2 {
			t.Errorf("--retry 2 --retry-delay 500ms took %s:\n%s", d, r.Stderr)
		}
	})
}

// TestCommitFlags: commit --iidfile writes the ID, --include-volumes turns
// the container's volumes into the image's VOLUMEs, --squash makes one
// layer holding the whole tree.
func TestCommitFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.MustPod("run", "--name", "cm", "-v", "cmvol:/data", suite.images.Multi, "sh", "-c", "echo changed > /changed")
		iid := e.Path("iid")
		id := out(e.MustPod("commit", "--iidfile", iid, "--include-volumes", "--squash", "cm", "cm-img"))
		if b, err := os.ReadFile(iid); err != nil || string(b) != "sha256:"+id {
			t.Errorf("--iidfile: %v %q, want sha256:%s", err, b, id)
		}
		if got := out(e.MustPod("image", "inspect", "-f", "{{len .RootFS.Layers}} {{.Config.Volumes}}", "cm-img")); got != "1 map[/data:{}]" {
			t.Errorf("commit --squash --include-volumes: %q", got)
		}
		if got := out(e.MustPod("run", "--rm", "cm-img", "cat", "/changed")); got != "changed" {
			t.Errorf("the squashed image's file: %q", got)
		}
		if got := out(e.MustPod("image", "inspect", "-f", "{{.Config.Volumes}}", out(e.MustPod("commit", "cm")))); got != "map[]" {
			t.Errorf("commit without --include-volumes: VOLUMEs %q", got)
		}
	})
}
