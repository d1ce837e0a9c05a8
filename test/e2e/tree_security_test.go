package e2e

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests attack, from inside a container or through a hostile build
// context, Dockerfile, image or archive, the paths where pod itself (as
// root, or as the rootless user) walks a tree the attacker controls:
// COPY and ADD in builds, the unpacking of a context archive, volume
// copy-up, export, mount. The target is a host directory holding a canary
// file that belongs to whoever runs pod (root, or the rootless user: the
// user's own files are what a rootless escape reaches); pod must never
// write, chmod or replace it, create files next to it, or carry its bytes
// into an image, a volume or an export.

// imageLeaks fails t when the image's files carry the canary's bytes:
// everything in it, read through an export of a container made from it.
func imageLeaks(t *testing.T, e *Env, c *hostCanary, image string) {
	t.Helper()
	name := "leakcheck-" + strings.ReplaceAll(image, ":", "-")
	e.MustPod("create", "--name", name, "--network", "none", image, "true")
	out := e.MustPod("export", name).Stdout
	e.MustPod("rm", name)
	if c.leaks(out) {
		t.Errorf("image %s carries the host canary's bytes", image)
	}
}

// buildAttack runs a build that may legitimately fail (what it asks for
// cannot be had without leaving the root); it must never show the
// canary's bytes, and reports whether the build succeeded.
func buildAttack(t *testing.T, e *Env, c *hostCanary, stdin []byte, args ...string) bool {
	t.Helper()
	var r *Result
	if stdin != nil {
		r = e.PodStdin(bytes.NewReader(stdin), args...)
	} else {
		r = e.Pod(args...)
	}
	if c.leaks(r.Stdout + r.Stderr) {
		t.Errorf("build output carries the host canary's bytes:\n%s\n%s", r.Stdout, r.Stderr)
	}
	if r.Code != 0 {
		t.Logf("build refused (fine): %s", strings.TrimSpace(r.Stderr))
	}
	return r.Code == 0
}

// TestTreeSecurityBuildCopyThroughImageSymlink: the image has /app/conf, a
// symlink to the host directory (absolute, as a container would plant
// it); COPY of a context directory holding conf/canary and conf/planted
// into /app/ must write under the image's own copy of that path, never
// chmod the host directory nor write into it.
func TestTreeSecurityBuildCopyThroughImageSymlink(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		ctx := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s\nRUN mkdir -p /app %s && ln -s %s /app/conf && ln -s ../../../../../../../..%s /app/up\nCOPY payload/ /app/\n",
				suite.images.Busybox, c.Dir, c.Dir, c.Dir),
			"payload/conf/canary":  "pwned by COPY\n",
			"payload/conf/planted": "planted by COPY\n",
			"payload/up/planted2":  "planted by COPY\n",
		})
		r := e.Pod("build", "-t", "copy-through", ctx)
		c.check(t)
		r.Success(t)
		// The copy landed where the links resolve inside the image.
		out := e.MustPod("run", "--rm", "--network", "none", "copy-through", "cat", c.Dir+"/canary", c.Dir+"/planted", c.Dir+"/planted2").Stdout
		if out != "pwned by COPY\nplanted by COPY\nplanted by COPY\n" {
			t.Errorf("inside the image: %q", out)
		}
		// A heredoc through the same link.
		ctx2 := writeContext(t, e, "ctx2", map[string]string{
			"Dockerfile": "FROM copy-through\nCOPY <<EOF /app/conf/heredoc\nx\nEOF\n",
		})
		e.MustPod("build", "-t", "copy-heredoc", ctx2)
		c.check(t)
	})
}

// TestTreeSecurityBuildCopyGlobThroughSymlink: a symlink to the host
// directory in a stage (COPY --from) or in the build context must not let
// a wildcard list and copy the host's files into the image.
func TestTreeSecurityBuildCopyGlobThroughSymlink(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		ctx := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s AS evil\nRUN ln -s %s /leak\nFROM %s\nCOPY --from=evil /leak/* /got/\n",
				suite.images.Busybox, c.Dir, suite.images.Busybox),
		})
		if buildAttack(t, e, c, nil, "build", "-t", "glob-from", ctx) {
			imageLeaks(t, e, c, "glob-from")
		}
		ctx2 := writeContext(t, e, "ctx2", map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s\nCOPY data/* /got/\n", suite.images.Busybox),
		})
		if err := os.Symlink(c.Dir, filepath.Join(ctx2, "data")); err != nil {
			t.Fatal(err)
		}
		if buildAttack(t, e, c, nil, "build", "-t", "glob-ctx", ctx2) {
			imageLeaks(t, e, c, "glob-ctx")
		}
		c.check(t)
	})
}

// TestTreeSecurityBuildContextFileLinks: a context whose Dockerfile is a
// symlink to a host file must not have pod read the host file (its parse
// error would quote the canary).
func TestTreeSecurityBuildContextFileLinks(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		ctx := writeContext(t, e, "ctx", map[string]string{"keep": "x"})
		if err := os.Symlink(c.File, filepath.Join(ctx, "Dockerfile")); err != nil {
			t.Fatal(err)
		}
		if buildAttack(t, e, c, nil, "build", "-t", "df-link", ctx) {
			t.Errorf("a build with a Dockerfile linking out of the context succeeded")
		}
		c.check(t)
	})
}

// hostileBuildTar is an archive that makes a symlink to the host directory and
// then writes through it, and hard-links a symlink to the canary before
// giving the link a mode (a chmod through it would reach the canary).
func hostileBuildTar(t *testing.T, c *hostCanary, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		h.ModTime = time.Unix(1700000000, 0)
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	for name, body := range extra {
		add(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, body)
	}
	add(&tar.Header{Name: "lnk", Typeflag: tar.TypeSymlink, Linkname: c.File, Mode: 0o777}, "")
	add(&tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: "lnk", Mode: 0o666}, "")
	add(&tar.Header{Name: "esc", Typeflag: tar.TypeSymlink, Linkname: c.Dir, Mode: 0o777}, "")
	add(&tar.Header{Name: "esc/planted", Typeflag: tar.TypeReg, Mode: 0o644}, "planted by an archive\n")
	add(&tar.Header{Name: "esc/canary", Typeflag: tar.TypeReg, Mode: 0o666}, "pwned by an archive\n")
	tw.Close()
	return buf.Bytes()
}

// TestTreeSecurityBuildHostileArchives: ADD of a local archive, and a
// build context given as an archive (on stdin and as a file), that write
// through a symlink they make or hard-link a symlink must not reach the
// host directory.
func TestTreeSecurityBuildHostileArchives(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		ctx := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s\nADD evil.tar /x/\n", suite.images.Busybox),
			"evil.tar":   string(hostileBuildTar(t, c, nil)),
		})
		if buildAttack(t, e, c, nil, "build", "-t", "add-evil", ctx) {
			imageLeaks(t, e, c, "add-evil")
		}
		c.check(t)

		ctxTar := hostileBuildTar(t, c, map[string]string{"Dockerfile": fmt.Sprintf("FROM %s\nCOPY . /ctx/\n", suite.images.Busybox)})
		if buildAttack(t, e, c, ctxTar, "build", "-t", "ctx-stdin", "-") {
			imageLeaks(t, e, c, "ctx-stdin")
		}
		c.check(t)
		file := e.WriteFile("ctx.tar", ctxTar)
		if buildAttack(t, e, c, nil, "build", "-t", "ctx-file", file) {
			imageLeaks(t, e, c, "ctx-file")
		}
		c.check(t)
	})
}

// TestTreeSecurityVolumeCopyUp: an image whose volume mount point holds
// symlinks to the host directory and canary, and whose second mount
// point is itself such a symlink, fills new volumes with the links (and
// with the image's own files where the links lead inside it), never with
// the host's files, and writes nothing outside the volumes. Copy-up was
// already safe (the mount point is resolved inside the root filesystem,
// links are copied as links); this keeps it so.
func TestTreeSecurityVolumeCopyUp(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		ctx := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s\nRUN mkdir -p /data/sub && echo inimage > /data/sub/f && ln -s %s /data/link && ln -s %s /data/dirlink && ln -s %s /mnt2 && ln -s ../../../../../../..%s /mnt3\n",
				suite.images.Busybox, c.File, c.Dir, c.Dir, c.Dir),
		})
		e.MustPod("build", "-t", "copyup-evil", ctx)
		e.MustPod("run", "--rm", "--network", "none", "-v", "v1:/data", "-v", "v2:/mnt2", "-v", "v3:/mnt3", "copyup-evil", "true")
		c.check(t)
		for _, v := range []string{"v1", "v2", "v3"} {
			mp := strings.TrimSpace(e.MustPod("volume", "inspect", "--format", "{{.Mountpoint}}", v).Stdout)
			filepath.WalkDir(mp, func(p string, d fs.DirEntry, err error) error {
				if err != nil || !d.Type().IsRegular() {
					return err
				}
				if b, _ := os.ReadFile(p); c.leaks(string(b)) {
					t.Errorf("volume %s: %s carries the host canary's bytes", v, p)
				}
				return nil
			})
			if v != "v1" {
				continue
			}
			if l, err := os.Readlink(filepath.Join(mp, "link")); err != nil || l != c.File {
				t.Errorf("volume v1: link = %q (%v), want a symlink to %s", l, err, c.File)
			}
			if b, _ := os.ReadFile(filepath.Join(mp, "sub", "f")); string(b) != "inimage\n" {
				t.Errorf("volume v1: sub/f = %q", b)
			}
		}
	})
}

// swapperSource is a race helper run inside a container: it exchanges
// each pair of paths (renameat2 RENAME_EXCHANGE) as fast as it can until
// its time is up, so that whoever walks the tree from the host sees now a
// directory or file, now a symlink to the host.
const swapperSource = `package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

func rename2(a, b string) {
	pa, _ := syscall.BytePtrFromString(a)
	pb, _ := syscall.BytePtrFromString(b)
	cwd := -100 // AT_FDCWD
	syscall.Syscall6(%d, uintptr(cwd), uintptr(unsafe.Pointer(pa)), uintptr(cwd), uintptr(unsafe.Pointer(pb)), 2 /* RENAME_EXCHANGE */, 0)
}

func main() {
	ms, _ := strconv.Atoi(os.Args[1])
	pairs := os.Args[2:]
	deadline := time.Now().Add(time.Duration(ms) * time.Millisecond)
	fmt.Println("swapping")
	for n := 0; time.Now().Before(deadline); n++ {
		for i := 0; i+1 < len(pairs); i += 2 {
			rename2(pairs[i], pairs[i+1])
		}
	}
}
`

var swapperOnce struct {
	sync.Once
	path string
	err  error
}

// swapper builds the race helper once (static, CGO_ENABLED=0) where the
// rootless user can read it, and returns the directory holding it.
func swapper(t *testing.T) string {
	t.Helper()
	swapperOnce.Do(func() {
		num := map[string]int{"amd64": 316, "arm64": 276}[runtime.GOARCH]
		if num == 0 {
			swapperOnce.err = fmt.Errorf("no renameat2 number for %s", runtime.GOARCH)
			return
		}
		dir := filepath.Join(suite.tmpRoot, "swapper")
		src := filepath.Join(dir, "src")
		if err := os.MkdirAll(src, 0o755); err != nil {
			swapperOnce.err = err
			return
		}
		os.WriteFile(filepath.Join(src, "go.mod"), []byte("module swapper\n\ngo 1.21\n"), 0o644)
		os.WriteFile(filepath.Join(src, "main.go"), []byte(fmt.Sprintf(swapperSource, num)), 0o644)
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		bin := filepath.Join(dir, "bin")
		os.MkdirAll(bin, 0o755)
		cmd := exec.Command(gobin, "build", "-o", filepath.Join(bin, "swap"), ".")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			swapperOnce.err = fmt.Errorf("build the race helper: %v\n%s", err, out)
			return
		}
		swapperOnce.path = bin
	})
	if swapperOnce.err != nil {
		t.Fatal(swapperOnce.err)
	}
	return swapperOnce.path
}

// raceContainer starts a container that swaps, for its lifetime (bounded
// to seconds), directories and a file of its root filesystem with
// symlinks to the host directory and canary; it returns once swapping.
func raceContainer(t *testing.T, e *Env, c *hostCanary, name string, seconds int, runArgs ...string) {
	t.Helper()
	bin := swapper(t)
	decoy := strings.Repeat("d", len(c.secret)) // the canary's size: a whole copy of it would fit
	var setup, pairs []string
	for i := 0; i < 4; i++ {
		// The decoy file is not named canary: a path /race/dN/canary in a
		// listing is the host directory's.
		setup = append(setup, fmt.Sprintf("mkdir -p /race/d%d && echo %s > /race/d%d/decoy && ln -s %s /race/l%d", i, decoy, i, c.Dir, i))
		pairs = append(pairs, fmt.Sprintf("/race/d%d /race/l%d", i, i))
	}
	setup = append(setup, fmt.Sprintf("printf %s > /race/f && ln -s %s /race/fl", decoy, c.File))
	pairs = append(pairs, "/race/f /race/fl")
	script := strings.Join(setup, " && ") + fmt.Sprintf(" && exec /swap/swap %d %s", seconds*1000, strings.Join(pairs, " "))
	args := append([]string{"run", "-d", "--name", name, "--network", "none", "-v", bin + ":/swap:ro"}, runArgs...)
	e.MustPod(append(args, suite.images.Busybox, "sh", "-c", script)...)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(e.Pod("logs", name).Stdout, "swapping") {
		if time.Now().After(deadline) {
			t.Fatalf("the race container never started swapping: %s", e.Pod("logs", name).Stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTreeSecurityExportRace: export of a running container that swaps
// directories and a file with symlinks to the host directory and canary
// while it is read must never carry the canary's bytes.
func TestTreeSecurityExportRace(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		raceContainer(t, e, c, "racer", 40)
		start := time.Now()
		for i := 0; i < 40 && time.Since(start) < 25*time.Second; i++ {
			r := e.Pod("export", "racer")
			if c.leaks(r.Stdout) {
				t.Fatalf("export %d carries the host canary's bytes", i)
			}
			if r.Code != 0 {
				t.Fatalf("export %d: exit %d: %s", i, r.Code, r.Stderr)
			}
		}
		e.MustPod("rm", "-f", "-t", "0", "racer")
		c.check(t)
	})
}

// TestTreeSecurityCommitRace: commit of a running container that swaps
// directories and a file with symlinks to the host while its layer is
// read must not put the canary in the image: commit freezes the container
// while it reads (--pause, the default).
func TestTreeSecurityCommitRace(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		raceContainer(t, e, c, "racer", 40)
		start := time.Now()
		for i := 0; i < 6 && time.Since(start) < 20*time.Second; i++ {
			img := fmt.Sprintf("raced-%d", i)
			e.MustPod("commit", "racer", img)
			imageLeaks(t, e, c, img)
			if t.Failed() {
				break
			}
		}
		e.MustPod("rm", "-f", "-t", "0", "racer")
		c.check(t)
	})
}

// TestTreeSecurityDiffRace: diff of a running container that swaps
// directories with symlinks to the host directory must not list the host
// directory's entries: diff freezes the container while it reads.
func TestTreeSecurityDiffRace(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		raceContainer(t, e, c, "racer", 40)
		start := time.Now()
		for i := 0; i < 40 && time.Since(start) < 20*time.Second; i++ {
			out := e.MustPod("diff", "racer").Stdout
			if strings.Contains(out, "/canary") {
				t.Fatalf("diff %d lists the host directory's entries:\n%s", i, out)
			}
		}
		e.MustPod("rm", "-f", "-t", "0", "racer")
		c.check(t)
	})
}

// TestTreeSecurityVolumeChownRace: the U option chowns a volume's tree at
// each start; while another container sharing the volume swaps its
// directories with symlinks to the host directory, the walk must never
// chown the host's files.
func TestTreeSecurityVolumeChownRace(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		e.MustPod("volume", "create", "shared")
		raceContainer(t, e, c, "racer", 40, "-v", "shared:/race")
		start := time.Now()
		for i := 0; i < 12 && time.Since(start) < 15*time.Second; i++ {
			e.MustPod("run", "--rm", "--network", "none", "--user", "1234:1234", "-v", "shared:/race:U", suite.images.Busybox, "true")
			c.check(t)
			if t.Failed() {
				t.Fatalf("run %d chowned the host's files", i)
			}
		}
		e.MustPod("rm", "-f", "-t", "0", "racer")
	})
}

// TestTreeSecurityMount: pod mount of a container whose root filesystem
// holds symlinks to the host directory and canary changes nothing through
// them (it chowns and chmods nothing). Already so; kept as a regression
// test.
func TestTreeSecurityMount(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		c := newHostCanary(t, e)
		e.MustPod("run", "--name", "linked", "--network", "none", suite.images.Busybox, "sh", "-c",
			fmt.Sprintf("ln -s %s /hostdir && ln -s %s /hostfile && ln -s %s /etc/passwd.link", c.Dir, c.File, c.File))
		e.MustPod("mount", "linked")
		e.MustPod("umount", "linked")
		c.check(t)
	})
}
