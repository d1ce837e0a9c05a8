package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// otherArch is an architecture that is not the host's.
func otherArch() string {
	if runtime.GOARCH == "arm64" {
		return "amd64"
	}
	return "arm64"
}

// qemuHandler is the binfmt_misc entry that would let a RUN step of arch
// run here.
func qemuHandler(arch string) string {
	return map[string]string{"amd64": "qemu-x86_64", "arm64": "qemu-aarch64"}[arch]
}

// TestBuildManifestPlatforms: a two-architecture base image in the
// loopback registry; --all-platforms builds a Dockerfile without RUN once
// per platform the base offers, each image of its architecture, all in
// the --manifest list; --platform a,b names the list with -t, with one
// --logsplit file per platform; a RUN step
// for an architecture binfmt_misc does not emulate fails with one line
// naming the platform; one platform with --manifest adds the image to a
// new list and keeps its tag.
func TestBuildManifestPlatforms(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		host, other := runtime.GOARCH, otherArch()
		e.MustPod("import", "-q", "--arch", host, suite.images.RootfsTar, "localhost/bp:"+host)
		e.MustPod("import", "-q", "--arch", other, suite.images.RootfsTar, "localhost/bp:"+other)
		e.MustPod("manifest", "create", "bpbase")
		e.MustPod("manifest", "add", "bpbase", "localhost/bp:"+host)
		e.MustPod("manifest", "add", "bpbase", "localhost/bp:"+other)
		base := suite.registry.Addr + "/bp-" + e.Name + ":latest"
		e.MustPod("manifest", "push", "-q", "--tls-verify=false", "bpbase", base)
		e.MustPod("rmi", "localhost/bp:"+host, "localhost/bp:"+other)
		e.MustPod("manifest", "rm", "bpbase")

		ctxDir := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": "FROM " + base + "\nARG TARGETARCH\nENV BUILT_FOR=$TARGETARCH\nCOPY f /f\n",
			"f":          "x\n",
			"run":        "FROM " + base + "\nRUN echo ran > /ran\n",
		})
		want := []string{"linux/" + host, "linux/" + other}
		sort.Strings(want)
		listID := out(e.MustPod("build", "-q", "--tls-verify=false", "--all-platforms", "--manifest", "bplist", "--label", "bp.built=1", ctxDir))
		doc := inspectManifest(t, e, "bplist")
		if doc.archs() != strings.Join(want, " ") {
			t.Fatalf("--all-platforms list: %s, want %s", doc.archs(), strings.Join(want, " "))
		}
		if got := out(e.MustPod("image", "inspect", "-f", "{{.Id}}", "bplist")); got != listID {
			t.Errorf("build printed %q, the list is %s", listID, got)
		}
		// Each entry is its platform's image, built from that platform's base.
		var seen []string
		for _, id := range strings.Fields(e.MustPod("images", "-q", "--no-trunc", "--filter", "label=bp.built=1").Stdout) {
			f := out(e.MustPod("image", "inspect", "-f", "{{.Architecture}} {{range .Config.Env}}{{.}} {{end}}", id))
			arch, env, _ := strings.Cut(f, " ")
			if !strings.Contains(env, "BUILT_FOR="+arch) {
				t.Errorf("image %s of %s has environment %q", id, arch, env)
			}
			seen = append(seen, arch)
		}
		sort.Strings(seen)
		if len(seen) != 2 {
			t.Errorf("built images: %v, want one per platform", seen)
		}

		// --platform a,b: -t names the list.
		plats := "linux/" + host + ",linux/" + other
		logfile := e.Path("bp.log")
		e.MustPod("build", "--tls-verify=false", "--platform", plats, "-t", "bpnamed", "--logfile", logfile, "--logsplit", ctxDir)
		for _, a := range []string{host, other} {
			// --logsplit: one log per platform.
			if b, err := os.ReadFile(logfile + "_linux_" + a); err != nil || !strings.Contains(string(b), "[linux/"+a+"] building") {
				t.Errorf("--logsplit file of %s: %v %q", a, err, b)
			}
		}
		if got := inspectManifest(t, e, "bpnamed").archs(); got != strings.Join(want, " ") {
			t.Errorf("--platform %s -t bpnamed: %s", plats, got)
		}
		e.Pod("build", "--platform", plats, ctxDir).Fails(t, 125, "name it with --manifest or -t")
		e.Pod("build", "--all-platforms", "--arch", other, ctxDir).Fails(t, 125, "--all-platforms cannot be used with")

		// RUN for an architecture without emulation: one line naming it.
		if _, err := os.Stat(filepath.Join("/proc/sys/fs/binfmt_misc", qemuHandler(other))); err != nil {
			r := e.Pod("build", "--tls-verify=false", "--platform", plats, "-t", "bprun", "-f", filepath.Join(ctxDir, "run"), ctxDir)
			r.Fails(t, 125, "cannot run a RUN step for linux/"+other)
			if !strings.Contains(r.Stderr, "binfmt_misc") {
				t.Errorf("RUN of %s without emulation: %s", other, r.Stderr)
			}
			if r := e.Pod("manifest", "exists", "bprun"); r.Code != 1 {
				t.Errorf("a failed build left the list bprun (exit %d)", r.Code)
			}
		}

		// One platform, --manifest: the image keeps its tag and joins a new list.
		id := out(e.MustPod("build", "-q", "--tls-verify=false", "--manifest", "bpone", "-t", "bpsingle", "-f", filepath.Join(ctxDir, "run"), ctxDir))
		if got := out(e.MustPod("image", "inspect", "-f", "{{.Id}}", "bpsingle")); got != id {
			t.Errorf("--manifest with one platform printed %s, -t names %s", id, got)
		}
		if got := inspectManifest(t, e, "bpone").archs(); got != "linux/"+host {
			t.Errorf("--manifest bpone: %s", got)
		}
		// A name of an image that is no list fails before building.
		r := e.Pod("build", "--tls-verify=false", "--manifest", "bpsingle", ctxDir)
		r.Fails(t, 125, "not a manifest list")
		if strings.Contains(r.Stdout, "STEP 1/") {
			t.Errorf("--manifest of an image that is no list built first:\n%s", r.Stdout)
		}
	})
}

// TestBuildRunHooksFlagsSSH: build's --hooks-dir runs the hooks for RUN
// steps; --runtime-flag reaches the runtime (an unknown flag fails the
// step, a known one passes); --ssh puts an agent socket into RUN
// --mount=type=ssh with SSH_AUTH_SOCK naming it, from a key file (served
// by pod) and from a socket, and a required one that is not given fails.
func TestBuildRunHooksFlagsSSH(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := suite.images.Busybox
		e.MustPod("pull", "-q", bb)
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": "FROM " + bb + "\nRUN echo step\n",
			"ssh": "FROM " + bb + "\nRUN --mount=type=ssh test -S \"$SSH_AUTH_SOCK\" && echo \"agent at $SSH_AUTH_SOCK\"\n" +
				"RUN --mount=type=ssh,id=other,target=/tmp/agent.sock,required=true test -S /tmp/agent.sock && echo other-agent\n",
			"required": "FROM " + bb + "\nRUN --mount=type=ssh,id=missing,required=true true\n"})

		hooksDir := e.Mkdir("hooks")
		hookOut := e.Path("hook.out")
		e.WriteFile("hooks/b.json", []byte(`{"version":"1.0.0","hook":{"path":"/bin/sh","args":["sh","-c","cat > `+hookOut+`"]},"when":{"always":true},"stages":["createRuntime"]}`))
		e.MustPod("build", "-q", "--no-cache", "--hooks-dir", hooksDir, ctxDir)
		if b, err := os.ReadFile(hookOut); err != nil || !strings.Contains(string(b), `"ociVersion"`) {
			t.Errorf("--hooks-dir: the hook of the RUN step wrote %q, %v", b, err)
		}

		e.Pod("build", "--no-cache", "--runtime-flag", "no-such-runtime-flag", ctxDir).Fails(t, 125, "no-such-runtime-flag")
		e.MustPod("build", "-q", "--no-cache", "--runtime-flag", "debug", ctxDir)

		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		blk, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		key := e.WriteFile("id_test", pem.EncodeToMemory(blk))
		// A socket of the user's own agent is passed on as it is.
		sock := e.Path("agent.sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() { defer c.Close(); _ = agent.ServeAgent(agent.NewKeyring(), c) }()
			}
		}()
		if e.rootless && os.Geteuid() == 0 {
			_ = os.Chown(sock, e.uid, e.gid)
		}
		r := e.MustPod("build", "--no-cache", "--ssh", "default="+key, "--ssh", "other="+sock, "-f", filepath.Join(ctxDir, "ssh"), ctxDir)
		if !strings.Contains(r.Stdout, "agent at /run/buildkit/ssh_agent.0\n") || !strings.Contains(r.Stdout, "other-agent\n") {
			t.Errorf("--ssh: RUN steps saw:\n%s", r.Stdout)
		}
		e.Pod("build", "--no-cache", "-f", filepath.Join(ctxDir, "required"), ctxDir).Fails(t, 125, `no SSH agent or key "missing"`)
		e.Pod("build", "--ssh", "default="+e.Path("nonexistent"), ctxDir).Fails(t, 125, "--ssh default")
		e.WriteFile("notakey", []byte("hello\n"))
		e.Pod("build", "--ssh", "default="+e.Path("notakey"), ctxDir).Fails(t, 125, "neither an agent socket nor a private key")
	})
}
