package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/containers/image/v5/manifest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/internal/testimage"
)

// lookupAccount resolves a user name to the account the benchmark runs as.
func lookupAccount(label, name, benchDir string) (*account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	a := &account{label: label, name: name, uid: uint32(uid), gid: uint32(gid), home: u.HomeDir}
	if a.rootless() {
		// Under su/runuser there is no XDG_RUNTIME_DIR; both engines get the
		// same one of the benchmark's own, which only the user can write.
		a.xdg = filepath.Join(benchDir, label, "xdg")
	}
	return a, nil
}

// mkdirFor makes directories owned by the account.
func mkdirFor(a *account, mode os.FileMode, dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, mode); err != nil {
			return err
		}
		if err := os.Chmod(d, mode); err != nil {
			return err
		}
		if err := os.Chown(d, int(a.uid), int(a.gid)); err != nil {
			return err
		}
	}
	return nil
}

func writeFor(a *account, path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Chown(path, int(a.uid), int(a.gid))
}

// newPod sets up pod for one account: its own storage root and run root.
func newPod(a *account, bin, base, regConf string) (*engine, error) {
	dir := filepath.Join(base, a.label, "pod")
	if err := mkdirFor(a, 0o700, dir, filepath.Join(dir, "root"), filepath.Join(dir, "run")); err != nil {
		return nil, err
	}
	return &engine{
		name: "pod", bin: bin, acct: a, dir: dir,
		global: []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run")},
		env:    a.env("CONTAINERS_REGISTRIES_CONF=" + regConf),
	}, nil
}

// newPodman sets up podman for one account with the configuration it needs on
// these machines (see the issue): no default ulimits (root lacks
// CAP_SYS_RESOURCE), runc (crun refuses the hybrid cgroup layout), cgroupfs
// (no systemd), overlay (rootless would pick vfs), and everything it writes
// inside the benchmark's directory, with its own CNI network directory and a
// network name and subnet no other engine on the machine uses (pod's default
// network is also called "podman", and CNI's host-local keeps its leases in
// /var/lib/cni/networks/NAME).
func newPodman(a *account, base, regConf string) (*engine, error) {
	dir := filepath.Join(base, a.label, "podman")
	root, run, tmp, cni := filepath.Join(dir, "root"), filepath.Join(dir, "run"), filepath.Join(dir, "tmp"), filepath.Join(dir, "cni")
	if err := mkdirFor(a, 0o700, dir, root, run, tmp, cni); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q

[network]
network_backend = "cni"
network_config_dir = %q
default_network = "podbench"
default_subnet = "10.213.0.0/24"
`, filepath.Join(dir, "events.log"), tmp, cni)
	storage := fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\nrootless_storage_path = %q\n", root, run, root)
	if err := writeFor(a, filepath.Join(dir, "containers.conf"), conf); err != nil {
		return nil, err
	}
	if err := writeFor(a, filepath.Join(dir, "storage.conf"), storage); err != nil {
		return nil, err
	}
	return &engine{
		name: "podman", bin: "podman", acct: a, dir: dir,
		global: []string{"--root", root, "--runroot", run},
		env: a.env("CONTAINERS_REGISTRIES_CONF="+regConf,
			"CONTAINERS_CONF="+filepath.Join(dir, "containers.conf"),
			"CONTAINERS_STORAGE_CONF="+filepath.Join(dir, "storage.conf")),
	}, nil
}

// newRunc prepares the floor: a busybox bundle runc runs directly, with the
// spec runc itself generates (rootless for the unprivileged user).
func newRunc(ctx context.Context, a *account, base, rootfsTar string) (*engine, error) {
	return newFloor(ctx, "runc", a, base, rootfsTar)
}

// newFloor prepares the floor for an OCI runtime (runc, crun): a busybox
// bundle it runs directly, with the spec the runtime itself generates.
func newFloor(ctx context.Context, runtime string, a *account, base, rootfsTar string) (*engine, error) {
	dir := filepath.Join(base, a.label, runtime)
	bundle, state := filepath.Join(dir, "bundle"), filepath.Join(dir, "state")
	rootfs := filepath.Join(bundle, "rootfs")
	if err := mkdirFor(a, 0o755, dir, bundle, state, rootfs); err != nil {
		return nil, err
	}
	e := &engine{name: runtime, bin: runtime, acct: a, dir: dir, global: []string{"--root", state}, env: a.env()}
	steps := [][]string{{"tar", "-C", rootfs, "-xf", rootfsTar}}
	// runc spec writes into --bundle; crun spec only into the working
	// directory, so both are run there.
	if a.rootless() {
		steps = append(steps, []string{runtime, "spec", "--rootless"})
	} else {
		steps = append(steps, []string{runtime, "spec"})
	}
	for _, argv := range steps {
		cmd := a.command(ctx, e.env, argv...)
		cmd.Dir = bundle
		if r := run(cmd); r.err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), r.failure())
		}
	}
	p := filepath.Join(bundle, "config.json")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		return nil, fmt.Errorf("%s spec: %w", runtime, err)
	}
	proc, _ := spec["process"].(map[string]any)
	if proc == nil {
		return nil, fmt.Errorf("%s spec: no process", runtime)
	}
	proc["args"], proc["terminal"] = []string{"true"}, false
	if b, err = json.MarshalIndent(spec, "", "\t"); err != nil {
		return nil, err
	}
	if err := writeFor(a, p, string(b)); err != nil {
		return nil, err
	}
	e.global = append(e.global, "run", "--bundle", bundle)
	return e, nil
}

// images are the references the scenarios use.
type images struct {
	busybox   string // one layer
	big       string // ~300 MB in 5 layers, part random, part compressible
	bigSize   int64  // uncompressed bytes
	rootfsTar string
}

// makeImages builds the images from the host's static busybox and synthetic
// layers and pushes them to the loopback registry.
func makeImages(ctx context.Context, dir string, reg *testimage.Registry, logf func(string, ...any)) (*images, error) {
	im, base, cfg, err := makeBusybox(ctx, dir, reg)
	if err != nil {
		return nil, err
	}

	logf("making the large image (random and compressible layers)")
	layers := [][]byte{base}
	for _, l := range []struct {
		dir          string
		files, size  int
		compressible bool
	}{
		{"random-big", 24, 4 << 20, false},      // 96 MiB, a few large incompressible files
		{"text-big", 48, 2 << 20, true},         // 96 MiB of text
		{"random-small", 1024, 64 << 10, false}, // 64 MiB, many incompressible files
		{"text-small", 2048, 24 << 10, true},    // 48 MiB, many small text files
	} {
		entries := []testimage.Entry{{Name: "data/", Dir: true}, {Name: "data/" + l.dir + "/", Dir: true}}
		for i := 0; i < l.files; i++ {
			body := make([]byte, l.size)
			if l.compressible {
				fillText(body, uint64(len(layers)<<20|i))
			} else if _, err := rand.Read(body); err != nil {
				return nil, err
			}
			entries = append(entries, testimage.Entry{Name: fmt.Sprintf("data/%s/%05d", l.dir, i), Body: body})
			im.bigSize += int64(l.size)
		}
		t, err := testimage.TarOf(entries)
		if err != nil {
			return nil, err
		}
		layers = append(layers, t)
	}
	im.bigSize += int64(len(base))
	bigLayout := filepath.Join(dir, "layout-big")
	if err := testimage.WriteLayout(bigLayout, "latest", cfg, layers); err != nil {
		return nil, err
	}
	if err := testimage.PushLayout(ctx, bigLayout, "latest", im.big, manifest.DockerV2Schema2MediaType); err != nil {
		return nil, err
	}
	return im, os.RemoveAll(bigLayout)
}

// makeBusybox pushes the one-layer busybox image, made from the host's
// static busybox, and keeps its layer as a tar for the runtime floors.
func makeBusybox(ctx context.Context, dir string, reg *testimage.Registry) (*images, []byte, v1.ImageConfig, error) {
	cfg := v1.ImageConfig{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"sh"}}
	bb, err := testimage.FindBusybox()
	if err != nil {
		return nil, nil, cfg, err
	}
	base, err := testimage.BusyboxLayer(bb)
	if err != nil {
		return nil, nil, cfg, err
	}
	im := &images{busybox: reg.Addr + "/busybox:latest", big: reg.Addr + "/big:latest", rootfsTar: filepath.Join(dir, "busybox-rootfs.tar")}
	if err := os.WriteFile(im.rootfsTar, base, 0o644); err != nil {
		return nil, nil, cfg, err
	}
	bbLayout := filepath.Join(dir, "layout-busybox")
	if err := testimage.WriteLayout(bbLayout, "latest", cfg, [][]byte{base}); err != nil {
		return nil, nil, cfg, err
	}
	if err := testimage.PushLayout(ctx, bbLayout, "latest", im.busybox, manifest.DockerV2Schema2MediaType); err != nil {
		return nil, nil, cfg, err
	}
	return im, base, cfg, nil
}

// fillText fills b with words from a small vocabulary: text that gzip shrinks
// about fourfold, like source code and documentation in real images.
func fillText(b []byte, seed uint64) {
	words := []string{"container", "image", "layer", "the", "of", "runtime", "monitor", "pod", "registry",
		"storage", "namespace", "cgroup", "a", "is", "to", "and", "overlay", "rootless", "spec", "bundle"}
	r := mrand.New(mrand.NewPCG(seed, 42))
	i := 0
	for i < len(b) {
		w := words[r.IntN(len(words))]
		if r.IntN(12) == 0 {
			w = strconv.Itoa(r.IntN(100000)) + "\n"
		} else {
			w += " "
		}
		i += copy(b[i:], w)
	}
}

// exists reports whether a program is on PATH.
func exists(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
