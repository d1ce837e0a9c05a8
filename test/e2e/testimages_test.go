package e2e

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"

	"github.com/containers/image/v5/manifest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/internal/testimage"
)

// TestImages names the images the suite pushed to the loopback registry.
type TestImages struct {
	Busybox    string // registry/busybox:latest, one layer, Docker v2s2 manifest
	BusyboxTag string // registry/busybox:1.36, the same image under a second tag
	Multi      string // registry/multi:latest, three layers, OCI manifest, labels, env, exposed port
	RootfsTar  string // the busybox root filesystem as an uncompressed tarball (for import)
	MultiFiles map[string]string
}

// BuildTestImages makes the test images from the host's static busybox and
// pushes them to reg.
func BuildTestImages(dir string, reg *Registry) (*TestImages, error) {
	bb, err := testimage.FindBusybox()
	if err != nil {
		return nil, err
	}
	base, err := testimage.BusyboxLayer(bb)
	if err != nil {
		return nil, err
	}
	ti := &TestImages{
		Busybox:    reg.Addr + "/busybox:latest",
		BusyboxTag: reg.Addr + "/busybox:1.36",
		Multi:      reg.Addr + "/multi:latest",
		RootfsTar:  filepath.Join(dir, "busybox-rootfs.tar"),
		MultiFiles: map[string]string{"/data/a.txt": "layer two\n"},
	}
	if err := os.WriteFile(ti.RootfsTar, base, 0o644); err != nil {
		return nil, err
	}
	noise := make([]byte, 1<<20)
	if _, err := rand.Read(noise); err != nil {
		return nil, err
	}
	second, err := tarOf([]tarEntry{{name: "data/", dir: true}, {name: "data/a.txt", body: []byte("layer two\n")}})
	if err != nil {
		return nil, err
	}
	third, err := tarOf([]tarEntry{{name: "data/", dir: true}, {name: "data/noise.bin", body: noise}})
	if err != nil {
		return nil, err
	}

	bbCfg := v1.ImageConfig{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"sh"}}
	multiCfg := v1.ImageConfig{
		Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "MULTI=yes"},
		Cmd:          []string{"sh"},
		WorkingDir:   "/data",
		Labels:       map[string]string{"org.example.role": "test"},
		ExposedPorts: map[string]struct{}{"80/tcp": {}},
	}
	ctx := context.Background()
	bbLayout := filepath.Join(dir, "layout-busybox")
	if err := testimage.WriteLayout(bbLayout, "latest", bbCfg, [][]byte{base}); err != nil {
		return nil, err
	}
	multiLayout := filepath.Join(dir, "layout-multi")
	if err := testimage.WriteLayout(multiLayout, "latest", multiCfg, [][]byte{base, second, third}); err != nil {
		return nil, err
	}
	if err := testimage.PushLayout(ctx, bbLayout, "latest", ti.Busybox, manifest.DockerV2Schema2MediaType); err != nil {
		return nil, err
	}
	if err := testimage.PushLayout(ctx, bbLayout, "latest", ti.BusyboxTag, manifest.DockerV2Schema2MediaType); err != nil {
		return nil, err
	}
	if err := testimage.PushLayout(ctx, multiLayout, "latest", ti.Multi, ""); err != nil {
		return nil, err
	}
	return ti, nil
}

// tarEntry is one member of a layer tarball (testimage.Entry with the
// lowercase names the suite's tests use).
type tarEntry struct {
	name     string
	body     []byte
	dir      bool
	linkname string // symlink target
	mode     int64
	uid, gid int
}

func tarOf(entries []tarEntry) ([]byte, error) {
	es := make([]testimage.Entry, len(entries))
	for i, e := range entries {
		es[i] = testimage.Entry{Name: e.name, Body: e.body, Dir: e.dir, Linkname: e.linkname, Mode: e.mode, UID: e.uid, GID: e.gid}
	}
	return testimage.TarOf(es)
}
