package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ociLayerTypes reads the layer media types of the one image of an OCI
// layout directory.
func ociLayerTypes(t *testing.T, dir string) []string {
	t.Helper()
	var index struct{ Manifests []struct{ Digest string } }
	readJSON := func(p string, v any) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	readJSON(filepath.Join(dir, "index.json"), &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("index: %+v", index)
	}
	var m struct{ Layers []struct{ MediaType string } }
	readJSON(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(index.Manifests[0].Digest, "sha256:")), &m)
	var out []string
	for _, l := range m.Layers {
		out = append(out, l.MediaType)
	}
	return out
}

// TestSaveUncompressed checks that save gzips an OCI layout's layers
// unless --uncompressed, and that the uncompressed layout loads back.
func TestSaveUncompressed(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		gz, raw := e.Path("gz"), e.Path("raw")
		e.MustPod("save", "-q", "--format", "oci-dir", "-o", gz, img)
		e.MustPod("save", "-q", "--uncompressed", "--format", "oci-dir", "-o", raw, img)
		if got := ociLayerTypes(t, gz); len(got) != 1 || got[0] != "application/vnd.oci.image.layer.v1.tar+gzip" {
			t.Errorf("default layers: %v", got)
		}
		if got := ociLayerTypes(t, raw); len(got) != 1 || got[0] != "application/vnd.oci.image.layer.v1.tar" {
			t.Errorf("--uncompressed layers: %v", got)
		}
		e.MustPod("rmi", img)
		e.MustPod("load", "-q", "-i", raw)
		e.MustPod("image", "exists", img) // loaded by its name, not pulled again below
		if got := out(e.MustPod("run", "--rm", img, "echo", "ok")); got != "ok" {
			t.Errorf("the loaded image runs: %q", got)
		}
	})
}
