package e2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/internal/testimage"
)

// pushTestImage writes an image of the given uncompressed layers (busybox
// below them) to a layout under t's temporary directory, lets edit change
// the layout, and pushes it to the suite's registry as name:latest.
func pushTestImage(t *testing.T, name string, layers [][]byte, edit func(dir string)) string {
	t.Helper()
	base, err := os.ReadFile(suite.images.RootfsTar)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	cfg := v1.ImageConfig{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"sh"}}
	if err := testimage.WriteLayout(dir, "latest", cfg, append([][]byte{base}, layers...)); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(dir)
	}
	ref := suite.registry.Addr + "/" + name + ":latest"
	if err := testimage.PushLayout(context.Background(), dir, "latest", ref, ""); err != nil {
		t.Fatal(err)
	}
	return ref
}

func mustTar(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	b, err := tarOf(entries)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPullLayersWhiteouts pulls a four-layer image whose upper layers
// delete a file, make a directory opaque, replace a file and remove a
// symlink, and checks that a container sees the merged result with the
// owners and modes the layers give, and that the pulled layers push back
// byte for byte (the same diffIDs after a push and a fresh pull).
func TestPullLayersWhiteouts(t *testing.T) {
	noise := make([]byte, 512<<10)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(noise)
	two := mustTar(t, []tarEntry{
		{name: "data/", dir: true},
		{name: "data/keep.txt", body: []byte("first\n")},
		{name: "data/gone.txt", body: []byte("gone\n")},
		{name: "data/dir/", dir: true},
		{name: "data/dir/old.txt", body: []byte("old\n")},
		{name: "data/owned.txt", body: []byte("owned\n"), uid: 1000, gid: 1001, mode: 0o640},
		{name: "data/link", linkname: "keep.txt"},
	})
	three := mustTar(t, []tarEntry{
		{name: "data/", dir: true},
		{name: "data/.wh.gone.txt"},
		{name: "data/dir/", dir: true},
		{name: "data/dir/.wh..wh..opq"},
		{name: "data/dir/new.txt", body: []byte("new\n")},
		{name: "data/keep.txt", body: []byte("second\n")},
	})
	four := mustTar(t, []tarEntry{
		{name: "data/", dir: true},
		{name: "data/.wh.link"},
		{name: "data/noise.bin", body: noise},
	})
	ref := pushTestImage(t, "pulllayers", [][]byte{two, three, four}, nil)
	forEachUser(t, func(t *testing.T, e *Env) {
		r := e.MustPod("pull", ref)
		id := strings.TrimSpace(r.Stdout)
		// Each layer is reported once and stored once (under the ID
		// containers/image expects, or it would store a second copy).
		if n := strings.Count(r.Stderr, "Copying blob "); n != 4 {
			t.Errorf("pull reported %d blobs, want 4:\n%s", n, r.Stderr)
		}
		if n, _ := storedLayers(t, e); n != 4 {
			t.Errorf("pull stored %d layers, want 4", n)
		}
		r = e.MustPod("run", "--rm", ref, "sh", "-c",
			"cd /data && ls -A . dir && cat keep.txt dir/new.txt && stat -c '%u:%g %a' owned.txt && sha256sum noise.bin")
		want := strings.Join([]string{
			"dir", "keep.txt", "noise.bin", "owned.txt", "", "dir:", "new.txt",
			"second", "new", "1000:1001 640", hex.EncodeToString(sum[:]) + "  noise.bin",
		}, "\n")
		// ls prints "." first when given two directories.
		if got := strings.TrimSpace(strings.TrimPrefix(r.Stdout, ".:\n")); got != want {
			t.Errorf("container sees:\n%s\nwant:\n%s", got, want)
		}
		layers := strings.TrimSpace(e.MustPod("image", "inspect", "--format", "{{.RootFS.Layers}}", id).Stdout)

		copyRef := suite.registry.Addr + "/pulllayers-copy-" + e.Name + ":latest"
		e.MustPod("push", "-q", "--tls-verify=false", ref, copyRef)
		f := NewEnv(t, e.Rootless())
		pulledID(t, f, "--tls-verify=false", copyRef)
		if again := strings.TrimSpace(f.MustPod("image", "inspect", "--format", "{{.RootFS.Layers}}", copyRef).Stdout); again != layers {
			t.Errorf("layers after push and pull: %s, want %s", again, layers)
		}
	})
}

// corruptingProxy forwards to the suite's registry but flips one byte in
// the middle of every blob larger than 256 KiB, until Pass.
type corruptingProxy struct {
	Addr    string
	corrupt chan bool // holds the current setting
}

func startCorruptingProxy(t *testing.T) *corruptingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &corruptingProxy{Addr: l.Addr().String(), corrupt: make(chan bool, 1)}
	p.corrupt <- true
	srv := &http.Server{Handler: p}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

// Pass lets every later request through unchanged.
func (p *corruptingProxy) Pass() { <-p.corrupt; p.corrupt <- false }

func (p *corruptingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resp := forwardToRegistry(w, r)
	if resp == nil {
		return
	}
	defer resp.Body.Close()
	corrupt := <-p.corrupt
	p.corrupt <- corrupt
	if !corrupt || r.Method != http.MethodGet || resp.ContentLength < 256<<10 || !isBlobPath(r.URL.Path) {
		_, _ = io.Copy(w, resp.Body)
		return
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return
	}
	body[len(body)/2] ^= 0xff
	_, _ = w.Write(body)
}

// storedLayers counts the layers in e's storage (containers/storage's
// layers.json; missing means none) and the staging directories left.
func storedLayers(t *testing.T, e *Env) (layers, staging int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.Root, "overlay-layers", "layers.json"))
	if err == nil {
		var l []json.RawMessage
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("layers.json: %v", err)
		}
		layers = len(l)
	} else if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir(filepath.Join(e.Root, "overlay", "staging"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return layers, len(dirs)
}

// TestPullCorruptBlob pulls through a proxy that damages the large layer:
// the pull fails naming the digest mismatch, and neither an image nor any
// layer (not even the intact ones) is left; the same pull then works.
func TestPullCorruptBlob(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		proxy := startCorruptingProxy(t)
		ref := proxy.Addr + "/multi:latest"
		e.Pod("pull", "--tls-verify=false", ref).Fails(t, 125, "digest")
		if r := e.MustPod("images", "-q"); r.Stdout != "" {
			t.Errorf("images after a failed pull: %q", r.Stdout)
		}
		if layers, staging := storedLayers(t, e); layers != 0 || staging != 0 {
			t.Errorf("after a failed pull: %d layers, %d staging directories, want none", layers, staging)
		}
		proxy.Pass()
		id := pulledID(t, e, "--tls-verify=false", ref)
		e.MustPod("run", "--rm", id, "cat", "/data/a.txt")
	})
}

// TestPullDiffIDMismatch pulls an image whose config promises a diffID
// its top layer does not have: refused, nothing stored.
func TestPullDiffIDMismatch(t *testing.T) {
	layer := mustTar(t, []tarEntry{{name: "lie.txt", body: []byte("not what the config says\n")}})
	ref := pushTestImage(t, "difflie", [][]byte{layer}, lieAboutLastDiffID(t))
	forEachUser(t, func(t *testing.T, e *Env) {
		e.Pod("pull", ref).Fails(t, 125, "config")
		if r := e.MustPod("images", "-q"); r.Stdout != "" {
			t.Errorf("images after a refused pull: %q", r.Stdout)
		}
		if layers, staging := storedLayers(t, e); layers != 0 || staging != 0 {
			t.Errorf("after a refused pull: %d layers, %d staging directories, want none", layers, staging)
		}
	})
}

// lieAboutLastDiffID returns an edit for pushTestImage that replaces the
// last diffID in the layout's config with another digest.
func lieAboutLastDiffID(t *testing.T) func(dir string) {
	return func(dir string) {
		t.Helper()
		blob := func(d digest.Digest) string { return filepath.Join(dir, "blobs", "sha256", d.Encoded()) }
		readJSON := func(p string, v any) {
			b, err := os.ReadFile(p)
			if err == nil {
				err = json.Unmarshal(b, v)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		put := func(v any) v1.Descriptor {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			d := digest.FromBytes(b)
			if err := os.WriteFile(blob(d), b, 0o644); err != nil {
				t.Fatal(err)
			}
			return v1.Descriptor{Digest: d, Size: int64(len(b))}
		}
		var idx v1.Index
		readJSON(filepath.Join(dir, "index.json"), &idx)
		var m v1.Manifest
		readJSON(blob(idx.Manifests[0].Digest), &m)
		var cfg v1.Image
		readJSON(blob(m.Config.Digest), &cfg)
		cfg.RootFS.DiffIDs[len(cfg.RootFS.DiffIDs)-1] = digest.FromString("a different layer")
		c := put(cfg)
		m.Config.Digest, m.Config.Size = c.Digest, c.Size
		md := put(m)
		idx.Manifests[0].Digest, idx.Manifests[0].Size = md.Digest, md.Size
		b, err := json.Marshal(idx)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPullByDigestOneRow pulls an image by tag and then by digest: images
// lists it once, under its tag (podman shows no second <none> row for the
// digest), and a digest-only pull lists it as <none> once.
func TestPullByDigestOneRow(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		dg := out(e.MustPod("image", "inspect", "--format", "{{.Digest}}", img))
		repo := strings.TrimSuffix(img, ":latest")
		e.MustPod("pull", "-q", repo+"@"+dg)
		rows := e.MustPod("images", "--format", "{{.Repository}}:{{.Tag}}").Lines()
		if strings.Join(rows, ",") != img {
			t.Fatalf("images after pulling by tag and by digest: %q, want one row %s", rows, img)
		}
		f := NewEnv(t, e.Rootless())
		f.MustPod("pull", "-q", repo+"@"+dg)
		rows = f.MustPod("images", "--format", "{{.Repository}}:{{.Tag}}").Lines()
		if strings.Join(rows, ",") != repo+":<none>" {
			t.Fatalf("images after pulling by digest only: %q, want one row %s:<none>", rows, repo)
		}
		if got := out(f.MustPod("images", "--digests", "--format", "{{.Digest}}")); got != dg {
			t.Fatalf("images --digests: %q, want %s", got, dg)
		}
	})
}
