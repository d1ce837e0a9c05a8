package e2e

// Attacks on the host through `pod cp`: a container process changes its
// own tree under a copy (a renameat2(RENAME_EXCHANGE) loop, or symlinks
// renamed over new files), or a tar stream names the host through links.
// Each test checks host canaries after every copy: a 0600 file owned by
// the pod user (root, or the rootless user: what that pod could change)
// keeps its mode, mtime and content; a host directory stays empty; no
// host bytes come out. See docs/security.md.

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Each race runs cpIterations copies, or as many as fit in cpBudget on a
// loaded machine: the path-based copy lost every race within 60 tries
// (see docs/security.md), and the suite stays short.
const (
	cpIterations = 200
	cpBudget     = 15 * time.Second
)

// raceLoop runs try (one copy and its check of the host: "" when nothing
// escaped) until the iterations or the time budget run out.
func raceLoop(t *testing.T, try func(i int) string) {
	t.Helper()
	deadline := time.Now().Add(cpBudget)
	i := 0
	for ; i < cpIterations && time.Now().Before(deadline); i++ {
		if msg := try(i); msg != "" {
			t.Fatalf("copy %d: %s", i+1, msg)
		}
	}
	t.Logf("%d copies, nothing escaped", i)
}

var cpRacer struct {
	once sync.Once
	path string
	err  error
}

// cpRacerBinary builds testdata/cpracer once, static, for any container.
func cpRacerBinary(t *testing.T) string {
	t.Helper()
	cpRacer.once.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = filepath.Join(runtime.GOROOT(), "bin", "go") // go test's own toolchain
		}
		cpRacer.path = filepath.Join(suite.tmpRoot, "cpracer")
		cmd := exec.Command(gobin, "build", "-trimpath", "-o", cpRacer.path, "./testdata/cpracer")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			cpRacer.err = fmt.Errorf("%w: %s", err, b)
			return
		}
		cpRacer.err = os.Chmod(cpRacer.path, 0o755)
	})
	if cpRacer.err != nil {
		t.Fatalf("build the cp racer: %v", cpRacer.err)
	}
	return cpRacer.path
}

// startRacer starts container name running setup (a shell script) and
// then the racer with args; it returns when the setup is done.
func startRacer(t *testing.T, e *Env, name, setup string, args ...string) {
	t.Helper()
	img := pulled(t, e)
	script := setup + " && touch /ready && exec /racer " + strings.Join(args, " ")
	e.MustPod("create", "--name", name, "--network", "none", img, "sh", "-c", script)
	e.MustPod("cp", cpRacerBinary(t), name+":/racer")
	e.MustPod("start", name)
	pid := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", name))
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat("/proc/" + pid + "/root/ready"); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("racer %s did not get ready: %s", name, e.Pod("logs", name).Stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hostDir is an empty directory the pod user may write, that no copy may.
func hostDir(t *testing.T, e *Env, name string) string {
	t.Helper()
	return e.Mkdir(name)
}

func dirNames(d string) []string {
	ents, _ := os.ReadDir(d)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestCpSecurityRaceIntoDir: a directory of the destination path swapped
// for a symlink to a host directory while files are copied into it.
func TestCpSecurityRaceIntoDir(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		target := hostDir(t, e, "target")
		src := e.WriteFile("payload", []byte("payload\n"))
		// The host directory's path exists in the container too, so the
		// destination always resolves to a directory.
		startRacer(t, e, "r", "mkdir -p /w/d "+target+" && ln -s "+target+" /w/l", "exchange", "/w/d", "/w/l")
		raceLoop(t, func(int) string {
			e.Pod("cp", src, "r:/w/d/x") // may fail; must not escape
			if names := dirNames(target); len(names) != 0 {
				return fmt.Sprintf("created %v in the host directory %s", names, target)
			}
			return ""
		})
	})
}

// TestCpSecurityRaceChmod: the file a copy just created swapped for a
// symlink to a host file before its mode and times are set.
func TestCpSecurityRaceChmod(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		startRacer(t, e, "r", "mkdir -p /w/d", "replace", c.File, "/w/d/f")
		stream := cpTar(t, &tar.Header{Name: "f", Typeflag: tar.TypeReg, Mode: 0o4777, Size: 1, ModTime: time.Unix(0, 0)})
		raceLoop(t, func(int) string {
			e.PodStdin(bytes.NewReader(stream), "cp", "-", "r:/w/d") // may fail; must not escape
			if how := c.changed(); how != "" {
				return "changed the host canary: " + how
			}
			return ""
		})
	})
}

// TestCpSecurityHardlinkToSymlink: no race. A stream with a symlink to a
// host file and a hard link to that symlink, with mode 04777 and a 1970
// mtime; neither may reach the host file, in a stopped container or a
// running one.
func TestCpSecurityHardlinkToSymlink(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		c := newHostCanary(t, e)
		stream := cpTar(t,
			&tar.Header{Name: "s", Typeflag: tar.TypeSymlink, Linkname: c.File, Mode: 0o777},
			&tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "s", Mode: 0o4777, ModTime: time.Unix(0, 0)},
		)
		e.MustPod("create", "--name", "stopped", "--network", "none", img, "true")
		counterCtr(t, e, "running", "--network", "none")
		for _, ctr := range []string{"stopped", "running"} {
			for i := 0; i < 3; i++ {
				e.PodStdin(bytes.NewReader(stream), "cp", "-", ctr+":/tmp")
				if how := c.changed(); how != "" {
					t.Fatalf("copy %d into the %s container changed the host canary: %s", i+1, ctr, how)
				}
			}
		}
		// What did land: h, a second name for the symlink, inside.
		r := e.MustPod("cp", "running:/tmp/h", "-")
		h, err := tar.NewReader(strings.NewReader(r.Stdout)).Next()
		if err != nil || h.Typeflag != tar.TypeSymlink || h.Linkname != c.File {
			t.Fatalf("h in the container: %+v %v", h, err)
		}
	})
}

// TestCpSecurityRaceOut: a file and a directory being copied out swapped
// for symlinks to a host file and a host directory.
func TestCpSecurityRaceOut(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		secrets := hostDir(t, e, "secrets")
		secret := filepath.Join(secrets, "secret")
		const marker = "HOST-SECRET-BYTES"
		if err := os.WriteFile(secret, []byte(marker+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chown(secret, e.uid, e.gid)
		// The container's file as long as the host's: a copy reads the
		// size it stat'ed, so a shorter one would hide a leak.
		inside := strings.Repeat("i", len(marker))
		dest := hostDir(t, e, "dest")
		startRacer(t, e, "r",
			"mkdir -p /w/d && echo "+inside+" > /w/f && echo "+inside+" > /w/d/secret && ln -s "+secret+" /w/fl && ln -s "+secrets+" /w/dl",
			"exchange", "/w/f", "/w/fl", "/w/d", "/w/dl")
		got := filepath.Join(dest, "got")
		raceLoop(t, func(i int) string {
			if i%2 == 0 {
				os.RemoveAll(got)
				e.Pod("cp", "r:/w/f", got) // may fail; must not read the host
				// Only what pod wrote: a symlink copied out as a symlink
				// (Docker's rule) is not pod reading the host.
				if b := readNoFollow(got); bytes.Contains(b, []byte(marker)) {
					return "a file's copy brought out the host file's bytes"
				}
				return ""
			}
			if r := e.Pod("cp", "r:/w/d", "-"); strings.Contains(r.Stdout, marker) {
				return "a directory's copy walked the host directory"
			}
			return ""
		})
	})
}

// readNoFollow reads p unless it is a symlink.
func readNoFollow(p string) []byte {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return b
}

func cpTar(t *testing.T, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
