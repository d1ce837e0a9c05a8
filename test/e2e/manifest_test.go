package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// manifestDoc is what `manifest inspect` prints, as far as the tests read it.
type manifestDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	MediaType     string `json:"mediaType"`
	Manifests     []struct {
		Digest      string            `json:"digest"`
		MediaType   string            `json:"mediaType"`
		Annotations map[string]string `json:"annotations"`
		Platform    struct {
			Architecture string `json:"architecture"`
			OS           string `json:"os"`
			Variant      string `json:"variant"`
		} `json:"platform"`
	} `json:"manifests"`
	Subject *struct {
		Digest string `json:"digest"`
	} `json:"subject"`
}

func inspectManifest(t *testing.T, e *Env, args ...string) manifestDoc {
	t.Helper()
	r := e.MustPod(append([]string{"manifest", "inspect"}, args...)...)
	var d manifestDoc
	if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
		t.Fatalf("manifest inspect %v: %v\n%s", args, err, r.Stdout)
	}
	return d
}

// archs lists the entries as "arch[/variant]", sorted.
func (d manifestDoc) archs() string {
	var out []string
	for _, m := range d.Manifests {
		a := m.Platform.Architecture
		if m.Platform.Variant != "" {
			a += "/" + m.Platform.Variant
		}
		out = append(out, m.Platform.OS+"/"+a)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestManifestMultiArch builds two images from the busybox root
// filesystem, one recording arm64, puts both in a manifest list, pushes the
// list with its images to the loopback registry and pulls each
// architecture back: what arrives is the image of the architecture asked
// for.
func TestManifestMultiArch(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.MustPod("import", "-q", "--arch", "arm64", "--change", "LABEL which=arm", suite.images.RootfsTar, "localhost/mm:arm")
		e.MustPod("import", "-q", "--arch", "amd64", "--change", "LABEL which=amd", suite.images.RootfsTar, "localhost/mm:amd")
		if got := out(e.MustPod("image", "inspect", "--format", "{{.Architecture}}", "localhost/mm:arm")); got != "arm64" {
			t.Fatalf("import --arch arm64 made an image for %q", got)
		}

		list := "mmlist" // a short name: stored as localhost/mmlist:latest
		id := out(e.MustPod("manifest", "create", "--annotation", "org.example.list=yes", list))
		e.MustPod("manifest", "exists", list)
		if r := e.Pod("manifest", "exists", "localhost/mm:arm"); r.Code != 1 {
			t.Errorf("manifest exists of an image that is no list: exit %d, want 1", r.Code)
		}
		e.Pod("manifest", "create", list).Fails(t, 125, "already")
		if got := out(e.MustPod("manifest", "create", "--amend", list)); got != id {
			t.Errorf("create --amend printed %q, want the list's ID %s", got, id)
		}
		if got := out(e.MustPod("manifest", "add", list, "localhost/mm:arm")); got != id {
			t.Errorf("manifest add printed %q, want the list's ID %s", got, id)
		}
		e.MustPod("manifest", "add", "--annotation", "org.example.entry=amd", list, "containers-storage:localhost/mm:amd")

		r := e.MustPod("manifest", "inspect", list)
		if !strings.HasPrefix(r.Stdout, "{\n    \"schemaVersion\": 2,") {
			t.Errorf("inspect is not podman's four-space JSON:\n%s", r.Stdout)
		}
		doc := inspectManifest(t, e, "localhost/mmlist")
		if doc.MediaType != "application/vnd.oci.image.index.v1+json" || doc.archs() != "linux/amd64 linux/arm64" {
			t.Fatalf("local list: %s %s\n%s", doc.MediaType, doc.archs(), r.Stdout)
		}
		// The list is an image too, one without configuration or layers.
		if got := out(e.MustPod("image", "inspect", "--format", "{{.ManifestType}} {{len .RootFS.Layers}}", list)); got != "application/vnd.oci.image.index.v1+json 0" {
			t.Errorf("image inspect of the list: %q", got)
		}
		var armDigest string
		for _, m := range doc.Manifests {
			switch m.Platform.Architecture {
			case "arm64":
				armDigest = m.Digest
			case "amd64":
				if m.Annotations["org.example.entry"] != "amd" {
					t.Errorf("amd64 entry annotations: %v", m.Annotations)
				}
			}
		}
		e.MustPod("manifest", "annotate", "--variant", "v8", list, armDigest)
		if got := inspectManifest(t, e, list).archs(); got != "linux/amd64 linux/arm64/v8" {
			t.Errorf("after annotate --variant v8: %s", got)
		}
		var amdDigest string
		for _, m := range doc.Manifests {
			if m.Platform.Architecture == "amd64" {
				amdDigest = m.Digest
			}
		}
		e.MustPod("manifest", "annotate", "--subject", "localhost/mm:amd", list)
		if got := inspectManifest(t, e, list).Subject; got == nil || got.Digest != amdDigest {
			t.Errorf("annotate --subject: subject %+v, want digest %s", got, amdDigest)
		}
		e.Pod("manifest", "annotate", "--index", "--arch", "arm64", list).Fails(t, 125, "entry's digest")
		// A digest the list lacks.
		e.Pod("manifest", "annotate", "--arch", "s390x", list, "sha256:"+strings.Repeat("0", 64)).Fails(t, 125, "no instance")

		ref := suite.registry.Addr + "/mm-" + e.Name + ":latest"
		digestFile := filepath.Join(e.Dir, "digest")
		e.MustPod("manifest", "push", "-q", "--tls-verify=false", "--digestfile", digestFile, list, ref)
		d, err := os.ReadFile(digestFile)
		if err != nil || !strings.HasPrefix(string(d), "sha256:") {
			t.Errorf("digest file: %q %v", d, err)
		}
		remote := inspectManifest(t, e, "--tls-verify=false", ref)
		if remote.archs() != "linux/amd64 linux/arm64/v8" {
			t.Errorf("pushed list: %s", remote.archs())
		}

		// --add-compression pushes each image a second time, zstd-compressed.
		zref := suite.registry.Addr + "/mm-" + e.Name + ":zstd"
		e.MustPod("manifest", "push", "-q", "--tls-verify=false", "--add-compression", "zstd", list, zref)
		if got := inspectManifest(t, e, "--tls-verify=false", zref).archs(); got != "linux/amd64 linux/amd64 linux/arm64/v8 linux/arm64/v8" {
			t.Errorf("pushed with --add-compression zstd: %s", got)
		}
		e.Pod("manifest", "push", "--all=false", "--add-compression", "zstd", list, zref).Fails(t, 125, "--all")

		f := NewEnv(t, e.Rootless())
		for _, tc := range []struct{ flags, want string }{
			{"--arch=arm64", "arm64 arm"},
			{"--arch=amd64", "amd64 amd"},
			{"--platform=linux/arm64/v8", "arm64 arm"},
			{"--os=linux --arch=amd64", "amd64 amd"},
		} {
			args := append(append([]string{"pull", "-q", "--tls-verify=false"}, strings.Fields(tc.flags)...), ref)
			f.MustPod(args...)
			if got := out(f.MustPod("image", "inspect", "--format", "{{.Architecture}} {{.Labels.which}}", ref)); got != tc.want {
				t.Errorf("pull %s brought %q, want %q", tc.flags, got, tc.want)
			}
		}
		f.Pod("pull", "-q", "--tls-verify=false", "--arch", "s390x", ref).Fails(t, 125, "s390x")

		e.Pod("manifest", "rm", "localhost/mm:arm").Fails(t, 125, "not a manifest list")
		if got := e.MustPod("manifest", "rm", list).Stdout; !strings.Contains(got, "Deleted: "+id) {
			t.Errorf("manifest rm printed %q", got)
		}
		if r := e.Pod("manifest", "exists", list); r.Code != 1 {
			t.Errorf("manifest exists after rm: exit %d", r.Code)
		}
		// The images the list named stay.
		e.MustPod("image", "exists", "localhost/mm:arm")
	})
}

// TestManifestAddRemoteAll adds every entry of a list in the registry
// (--all) without pulling anything, removes one entry, and pushes the list
// without its images (--all=false): it is then readable from the registry.
func TestManifestAddRemoteAll(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.MustPod("import", "-q", "--arch", "arm64", suite.images.RootfsTar, "localhost/ra:arm")
		e.MustPod("import", "-q", "--arch", "amd64", suite.images.RootfsTar, "localhost/ra:amd")
		e.MustPod("manifest", "create", "ra-src", "localhost/ra:arm", "localhost/ra:amd")
		src := suite.registry.Addr + "/ra-src-" + e.Name + ":1"
		e.MustPod("manifest", "push", "-q", "--tls-verify=false", "--rm", "ra-src", src)
		if r := e.Pod("manifest", "exists", "ra-src"); r.Code != 1 {
			t.Errorf("push --rm left the list (exit %d)", r.Code)
		}

		f := NewEnv(t, e.Rootless())
		f.MustPod("manifest", "create", "ra")
		f.MustPod("manifest", "add", "--all", "--tls-verify=false", "ra", "docker://"+src)
		doc := inspectManifest(t, f, "ra")
		if doc.archs() != "linux/amd64 linux/arm64" {
			t.Fatalf("add --all of a remote list: %s", doc.archs())
		}
		if got := f.MustPod("images", "-q").Lines(); len(got) != 1 {
			t.Errorf("manifest add pulled images: %v", got)
		}
		var arm string
		for _, m := range doc.Manifests {
			if m.Platform.Architecture == "arm64" {
				arm = m.Digest
			}
		}
		f.MustPod("manifest", "remove", "ra", arm)
		if got := inspectManifest(t, f, "ra").archs(); got != "linux/amd64" {
			t.Errorf("after remove: %s", got)
		}
		dst := suite.registry.Addr + "/ra-src-" + e.Name + ":2"
		f.MustPod("manifest", "push", "-q", "--all=false", "--tls-verify=false", "ra", dst)
		if got := inspectManifest(t, f, "--tls-verify=false", dst).archs(); got != "linux/amd64" {
			t.Errorf("pushed list: %s", got)
		}
		f.MustPod("pull", "-q", "--tls-verify=false", "--arch", "amd64", dst)
		if got := out(f.MustPod("image", "inspect", "--format", "{{.Architecture}}", dst)); got != "amd64" {
			t.Errorf("pulled %s", got)
		}
	})
}
