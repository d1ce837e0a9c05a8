package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/oci/layout"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
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
	bb, err := exec.LookPath("busybox")
	if err != nil {
		for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
			if _, e := os.Stat(p); e == nil {
				bb = p
				break
			}
		}
		if bb == "" {
			return nil, fmt.Errorf("busybox not found (make deps installs busybox-static)")
		}
	}
	base, err := busyboxLayer(bb)
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
	if err := writeLayout(bbLayout, "latest", bbCfg, [][]byte{base}); err != nil {
		return nil, err
	}
	multiLayout := filepath.Join(dir, "layout-multi")
	if err := writeLayout(multiLayout, "latest", multiCfg, [][]byte{base, second, third}); err != nil {
		return nil, err
	}
	if err := pushLayout(ctx, bbLayout, "latest", ti.Busybox, manifest.DockerV2Schema2MediaType); err != nil {
		return nil, err
	}
	if err := pushLayout(ctx, bbLayout, "latest", ti.BusyboxTag, manifest.DockerV2Schema2MediaType); err != nil {
		return nil, err
	}
	if err := pushLayout(ctx, multiLayout, "latest", ti.Multi, ""); err != nil {
		return nil, err
	}
	return ti, nil
}

type tarEntry struct {
	name     string
	body     []byte
	dir      bool
	linkname string // symlink target
	mode     int64
}

func tarOf(entries []tarEntry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, ModTime: mtime, Mode: e.mode, Format: tar.FormatPAX}
		switch {
		case e.dir:
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
			if e.mode != 0 {
				h.Mode = e.mode
			}
		case e.linkname != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, e.linkname, 0o777
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
			if h.Mode == 0 {
				h.Mode = 0o644
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// busyboxLayer is a minimal root filesystem: the static busybox, a symlink
// per applet, and the files a container expects.
func busyboxLayer(bb string) ([]byte, error) {
	body, err := os.ReadFile(bb)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	entries := []tarEntry{}
	for _, d := range []string{"bin/", "dev/", "etc/", "home/", "proc/", "root/", "sys/", "usr/", "usr/bin/", "var/", "var/www/"} {
		entries = append(entries, tarEntry{name: d, dir: true})
	}
	entries = append(entries, tarEntry{name: "tmp/", dir: true, mode: 0o1777})
	entries = append(entries, tarEntry{name: "bin/busybox", body: body, mode: 0o755})
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" {
			continue
		}
		entries = append(entries, tarEntry{name: "bin/" + applet, linkname: "busybox"})
	}
	entries = append(entries,
		tarEntry{name: "etc/passwd", body: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
		tarEntry{name: "etc/group", body: []byte("root:x:0:\nnogroup:x:65534:\n")},
		tarEntry{name: "etc/os-release", body: []byte("NAME=pod-test-busybox\nID=busybox\n")},
	)
	return tarOf(entries)
}

// writeLayout writes an OCI image layout with gzip-compressed layers.
func writeLayout(dir, tag string, cfg v1.ImageConfig, layers [][]byte) error {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	put := func(b []byte) (digest.Digest, error) {
		sum := sha256.Sum256(b)
		d := digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:]))
		return d, os.WriteFile(filepath.Join(dir, "blobs", "sha256", d.Encoded()), b, 0o644)
	}
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	img := v1.Image{
		Created:  &created,
		Platform: v1.Platform{Architecture: goarch(), OS: "linux"},
		Config:   cfg,
		RootFS:   v1.RootFS{Type: "layers"},
	}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest}
	for i, l := range layers {
		sum := sha256.Sum256(l)
		img.RootFS.DiffIDs = append(img.RootFS.DiffIDs, digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:])))
		img.History = append(img.History, v1.History{Created: &created, CreatedBy: fmt.Sprintf("test layer %d", i+1)})
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		if _, err := io.Copy(zw, bytes.NewReader(l)); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		d, err := put(gz.Bytes())
		if err != nil {
			return err
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: d, Size: int64(gz.Len())})
	}
	cb, err := json.Marshal(img)
	if err != nil {
		return err
	}
	cd, err := put(cb)
	if err != nil {
		return err
	}
	m.Config = v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: cd, Size: int64(len(cb))}
	mb, err := json.Marshal(m)
	if err != nil {
		return err
	}
	md, err := put(mb)
	if err != nil {
		return err
	}
	idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{{
		MediaType: v1.MediaTypeImageManifest, Digest: md, Size: int64(len(mb)),
		Annotations: map[string]string{v1.AnnotationRefName: tag},
	}}}
	ib, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), ib, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

func pushLayout(ctx context.Context, dir, tag, dest, mime string) error {
	src, err := layout.NewReference(dir, tag)
	if err != nil {
		return err
	}
	dst, err := docker.ParseReference("//" + dest)
	if err != nil {
		return err
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		return err
	}
	defer pc.Destroy()
	_, err = copy.Image(ctx, pc, dst, src, &copy.Options{
		DestinationCtx:        &types.SystemContext{DockerInsecureSkipTLSVerify: types.OptionalBoolTrue},
		ForceManifestMIMEType: mime,
	})
	if err != nil {
		return fmt.Errorf("push %s: %w", dest, err)
	}
	return nil
}
