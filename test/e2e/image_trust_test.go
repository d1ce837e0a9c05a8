package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImageTrust sets a policy that rejects everything but one repository
// of the loopback registry: show lists it as podman does, and pulls obey
// it.
func TestImageTrust(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// The user's own policy file, which pod reads before the system's.
		policy := filepath.Join(e.Home, ".config", "containers", "policy.json")
		e.MustPod("image", "trust", "set", "--policypath", policy, "-t", "reject", "default")
		repo := suite.registry.Addr + "/busybox"
		e.MustPod("image", "trust", "set", "--policypath", policy, "--type", "accept", repo)

		rows := e.MustPod("image", "trust", "show", "--policypath", policy).Lines()
		if len(rows) != 3 || strings.Join(strings.Fields(rows[0]), " ") != "TRANSPORT NAME TYPE ID STORE" ||
			strings.Join(strings.Fields(rows[1]), " ") != "all default reject" ||
			strings.Join(strings.Fields(rows[2]), " ") != "repository "+repo+" accept" {
			t.Errorf("trust show:\n%s", strings.Join(rows, "\n"))
		}
		if got := e.MustPod("image", "trust", "show", "-n", "--policypath", policy).Lines(); len(got) != 2 {
			t.Errorf("show --noheading: %v", got)
		}
		var entries []map[string]string
		if err := json.Unmarshal([]byte(e.MustPod("image", "trust", "show", "--json", "--policypath", policy).Stdout), &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0]["name"] != "* (default)" || entries[0]["repo_name"] != "default" || entries[1]["type"] != "accept" {
			t.Errorf("show --json: %v", entries)
		}
		raw := e.MustPod("image", "trust", "show", "--raw", "--policypath", policy).Stdout
		if file, _ := os.ReadFile(policy); !bytes.Equal(file, []byte(raw)) {
			t.Errorf("show --raw differs from the file:\n%s", raw)
		}

		e.MustPod("pull", "-q", suite.images.Busybox)
		e.Pod("pull", "-q", suite.images.Multi).Fails(t, 125, "rejected")
		e.Pod("image", "trust", "set", "--policypath", policy, "-t", "trusted", "default").Fails(t, 125, `"trusted"`)
		e.Pod("image", "trust", "set", "--policypath", policy, "-t", "signedBy", "default").Fails(t, 125, "--pubkeysfile")
	})
}

// TestImageFlagsCompat drives the image flags scripts pass to podman and
// docker: push compression and signatures, save --compress, the docker
// no-op --disable-content-trust and rmi --no-prune (signing: image_sign_test.go).
func TestImageFlagsCompat(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("pull", "-q", "--disable-content-trust", img)

		ref := suite.registry.Addr + "/zstd-" + e.Name + ":latest"
		e.MustPod("push", "-q", "--disable-content-trust", "--tls-verify=false", "--compression-format", "zstd", "--remove-signatures", img, ref)
		if r := e.MustPod("manifest", "inspect", "--tls-verify=false", ref); !strings.Contains(r.Stdout, "+zstd") {
			t.Errorf("push --compression-format zstd wrote:\n%s", r.Stdout)
		}
		e.Pod("push", "--tls-verify=false", "--compression-format", "lz4", img, ref).Fails(t, 125, "lz4")

		dir := filepath.Join(e.Dir, "dd")
		e.MustPod("save", "-q", "--format", "docker-dir", "--compress", "-o", dir, img)
		if !dirHasGzip(t, dir) {
			t.Errorf("save --compress left no gzip layer in %s", dir)
		}
		plain := filepath.Join(e.Dir, "dd-plain")
		e.MustPod("save", "-q", "--format", "docker-dir", "-o", plain, img)
		if dirHasGzip(t, plain) {
			t.Errorf("save without --compress gzipped a layer")
		}
		e.Pod("save", "--format", "oci-archive", "--compress", "-o", filepath.Join(e.Dir, "x.tar"), img).Fails(t, 125, "docker-dir")

		e.MustPod("tag", img, "localhost/keep:1")
		e.MustPod("rmi", "--no-prune", "localhost/keep:1")
		if r := e.Pod("image", "exists", "localhost/keep:1"); r.Code != 1 {
			t.Errorf("rmi --no-prune left the image (exists: exit %d)", r.Code)
		}
	})
}

// dirHasGzip reports whether a file in dir starts with gzip's magic.
func dirHasGzip(t *testing.T, dir string) bool {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err == nil && len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
			return true
		}
	}
	return false
}

// TestImagePruneExternal prunes an image that only a container pod does
// not know uses (as buildah's are): kept without --external, removed with
// it, while the image of pod's own container stays. Root only: the
// external container is made with containers/storage from the test
// process, which is not in the rootless user namespace.
func TestImagePruneExternal(t *testing.T) {
	asRoot(t, func(t *testing.T, e *Env) {
		ext := pulledID(t, e, suite.images.Busybox)
		storageContainer(t, e, ext)
		e.MustPod("create", "--name", "ours", suite.images.Multi)

		e.MustPod("image", "prune", "-a", "-f")
		e.MustPod("image", "exists", ext)
		r := e.MustPod("image", "prune", "-a", "-f", "--external")
		if !strings.Contains(r.Stdout, ext) {
			t.Errorf("prune --external printed %q, want %s", r.Stdout, ext)
		}
		if r := e.Pod("image", "exists", ext); r.Code != 1 {
			t.Errorf("the image only an external container used is still there (exit %d)", r.Code)
		}
		e.MustPod("image", "exists", suite.images.Multi)
		e.MustPod("start", "ours")
	})
}
