package manifests

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/containers/image/v5/manifest"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

var (
	amd = Instance{Digest: digest.FromString("amd64"), Size: 500, MediaType: v1.MediaTypeImageManifest,
		Platform: Platform{OS: "linux", Architecture: "amd64"}}
	arm = Instance{Digest: digest.FromString("arm64"), Size: 600, MediaType: manifest.DockerV2Schema2MediaType,
		Platform: Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}
)

func TestSerializeChoosesFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(l *List)
		want string
	}{
		{"empty list is a Docker list", func(l *List) {}, manifest.DockerV2ListMediaType},
		{"entries make an OCI index", func(l *List) { l.Add(amd) }, v1.MediaTypeImageIndex},
		{"Docker-only features make a Docker list", func(l *List) {
			l.Add(amd)
			_ = l.Annotate(amd.Digest, Annotation{Platform: Platform{Features: []string{"sse4"}}})
		}, manifest.DockerV2ListMediaType},
		{"annotations win over features", func(l *List) {
			l.Add(amd)
			_ = l.Annotate(amd.Digest, Annotation{Platform: Platform{Features: []string{"sse4"}}, Annotations: map[string]string{"a": "b"}})
		}, v1.MediaTypeImageIndex},
		{"index annotations make an OCI index", func(l *List) { l.AnnotateIndex(map[string]string{"k": "v"}) }, v1.MediaTypeImageIndex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New()
			tc.edit(l)
			b, err := l.Serialize("")
			if err != nil {
				t.Fatal(err)
			}
			if got := manifest.GuessMIMEType(b); got != tc.want {
				t.Errorf("serialized as %s, want %s: %s", got, tc.want, b)
			}
			if l.Inspect().MediaType != tc.want {
				t.Errorf("Inspect().MediaType = %s, want %s", l.Inspect().MediaType, tc.want)
			}
		})
	}
}

func TestRoundTripBothFormats(t *testing.T) {
	l := New()
	l.Add(amd)
	l.Add(arm)
	if err := l.Annotate(arm.Digest, Annotation{Platform: Platform{OSVersion: "1.0", OSFeatures: []string{"f"}}}); err != nil {
		t.Fatal(err)
	}
	for _, mt := range []string{v1.MediaTypeImageIndex, manifest.DockerV2ListMediaType} {
		b, err := l.Serialize(mt)
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromBlob(b)
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		if got := back.Instances(); len(got) != 2 || got[0] != amd.Digest || got[1] != arm.Digest {
			t.Fatalf("%s: instances %v", mt, got)
		}
		in, err := back.Instance(arm.Digest)
		if err != nil {
			t.Fatal(err)
		}
		p := in.Platform
		if p.Architecture != "arm64" || p.Variant != "v8" || p.OSVersion != "1.0" || len(p.OSFeatures) != 1 || in.Size != 600 {
			t.Errorf("%s: arm64 entry read back as %+v", mt, in)
		}
		// containers/image chooses from what we write.
		cl, err := manifest.ListFromBlob(b, mt)
		if err != nil {
			t.Fatal(err)
		}
		if len(cl.Instances()) != 2 {
			t.Errorf("%s: containers/image sees %d instances", mt, len(cl.Instances()))
		}
	}
}

func TestAddReplacesAndRemove(t *testing.T) {
	l := New()
	l.Add(amd)
	again := amd
	again.Platform.Architecture = "riscv64"
	l.Add(again)
	if n := len(l.Instances()); n != 1 {
		t.Fatalf("adding a digest twice left %d entries", n)
	}
	if in, _ := l.Instance(amd.Digest); in.Platform.Architecture != "riscv64" {
		t.Errorf("second add did not replace the entry: %+v", in)
	}
	if err := l.Remove(amd.Digest); err != nil {
		t.Fatal(err)
	}
	if err := l.Remove(amd.Digest); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("removing a missing entry: %v, want not found", err)
	}
	if err := l.Annotate(amd.Digest, Annotation{}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("annotating a missing entry: %v, want not found", err)
	}
}

func TestAnnotateMergesAndKeeps(t *testing.T) {
	l := New()
	l.Add(arm)
	_ = l.Annotate(arm.Digest, Annotation{Annotations: map[string]string{"a": "1"}})
	_ = l.Annotate(arm.Digest, Annotation{Platform: Platform{Architecture: "arm"}, Annotations: map[string]string{"b": "2"}})
	in, _ := l.Instance(arm.Digest)
	if in.Annotations["a"] != "1" || in.Annotations["b"] != "2" {
		t.Errorf("annotations = %v, want both", in.Annotations)
	}
	if in.Platform.Architecture != "arm" || in.Platform.Variant != "v8" || in.Platform.OS != "linux" {
		t.Errorf("platform = %+v: empty fields must keep their value", in.Platform)
	}
}

func TestInspectShape(t *testing.T) {
	l := New()
	l.Add(arm)
	b, err := json.Marshal(l.Inspect())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ms := doc["manifests"].([]any)
	m := ms[0].(map[string]any)
	p := m["platform"].(map[string]any)
	if doc["schemaVersion"] != float64(2) || m["digest"] != arm.Digest.String() || m["size"] != float64(600) ||
		p["architecture"] != "arm64" || p["os"] != "linux" || p["variant"] != "v8" {
		t.Errorf("inspect document: %s", b)
	}
	if _, ok := doc["annotations"]; ok {
		t.Errorf("empty annotations must be left out: %s", b)
	}
	empty, _ := json.Marshal(New().Inspect())
	if string(empty) != `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}` {
		t.Errorf("empty list inspects as %s", empty)
	}
}

func TestFromBlobRefusesImages(t *testing.T) {
	if _, err := FromBlob([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}`)); !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Errorf("an image manifest read as a list: %v", err)
	}
}
