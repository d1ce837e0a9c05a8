// Package manifests is a manifest list (Docker) or image index (OCI) being
// edited: the entries `pod manifest` adds, annotates and removes, kept in
// both formats at once so that either can be written, as podman and
// buildah keep them. It knows nothing of storage or registries.
//
// Contracts a caller may rely on:
//   - An instance is known by its manifest digest; adding a digest again
//     replaces its entry.
//   - Serialize("") picks the format as podman does: OCI when the list
//     holds something only OCI can say (annotations, artifact types, URLs),
//     Docker when an entry has Docker-only platform features, else OCI for
//     a list with entries and Docker for an empty one.
//   - Inspect is the document `podman manifest inspect` prints.
package manifests

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/containers/image/v5/manifest"
	digest "github.com/opencontainers/go-digest"
	imgspec "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Platform is what an entry records as the platform its image needs.
type Platform struct {
	OS           string
	Architecture string
	Variant      string
	OSVersion    string
	OSFeatures   []string
	// Features exist in Docker lists only.
	Features []string
}

// Instance is one entry of a list.
type Instance struct {
	Digest       digest.Digest
	Size         int64
	MediaType    string
	Platform     Platform
	Annotations  map[string]string // OCI only
	URLs         []string
	ArtifactType string // OCI only
}

// List is a manifest list and image index with the same entries.
type List struct {
	docker manifest.Schema2List
	oci    v1.Index
}

// New returns an empty list.
func New() *List {
	return &List{
		docker: manifest.Schema2List{SchemaVersion: 2, MediaType: manifest.DockerV2ListMediaType},
		oci:    v1.Index{Versioned: imgspec.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex},
	}
}

// FromBlob reads an encoded Docker manifest list or OCI image index.
// Anything else is errdefs.ErrInvalidArg.
func FromBlob(b []byte) (*List, error) {
	l := New()
	switch t := manifest.GuessMIMEType(b); t {
	case manifest.DockerV2ListMediaType:
		if err := json.Unmarshal(b, &l.docker); err != nil {
			return nil, fmt.Errorf("parse Docker manifest list: %w", err)
		}
		for _, m := range l.docker.Manifests {
			p := m.Platform
			l.oci.Manifests = append(l.oci.Manifests, v1.Descriptor{
				MediaType: m.MediaType, Size: m.Size, Digest: m.Digest, URLs: slices.Clone(m.URLs),
				Platform: &v1.Platform{Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion,
					OSFeatures: slices.Clone(p.OSFeatures), Variant: p.Variant},
			})
		}
	case v1.MediaTypeImageIndex:
		if err := json.Unmarshal(b, &l.oci); err != nil {
			return nil, fmt.Errorf("parse OCI image index: %w", err)
		}
		for _, m := range l.oci.Manifests {
			p := m.Platform
			if p == nil {
				p = &v1.Platform{}
			}
			l.docker.Manifests = append(l.docker.Manifests, manifest.Schema2ManifestDescriptor{
				Schema2Descriptor: manifest.Schema2Descriptor{MediaType: m.MediaType, Size: m.Size, Digest: m.Digest, URLs: slices.Clone(m.URLs)},
				Platform: manifest.Schema2PlatformSpec{Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion,
					OSFeatures: slices.Clone(p.OSFeatures), Variant: p.Variant},
			})
		}
	default:
		return nil, errdefs.InvalidArgumentf("not a manifest list or image index (%q)", t)
	}
	return l, nil
}

// IsList reports whether the manifest b is a manifest list or image index.
func IsList(b []byte) bool {
	return manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(b))
}

// Add adds an entry, replacing one with the same digest.
func (l *List) Add(in Instance) {
	_ = l.Remove(in.Digest)
	p := in.Platform
	l.docker.Manifests = append(l.docker.Manifests, manifest.Schema2ManifestDescriptor{
		Schema2Descriptor: manifest.Schema2Descriptor{MediaType: in.MediaType, Size: in.Size, Digest: in.Digest, URLs: slices.Clone(in.URLs)},
		Platform: manifest.Schema2PlatformSpec{Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion,
			OSFeatures: slices.Clone(p.OSFeatures), Variant: p.Variant, Features: slices.Clone(p.Features)},
	})
	l.oci.Manifests = append(l.oci.Manifests, v1.Descriptor{
		MediaType: in.MediaType, Size: in.Size, Digest: in.Digest, URLs: slices.Clone(in.URLs),
		ArtifactType: in.ArtifactType, Annotations: maps.Clone(in.Annotations),
		Platform: &v1.Platform{Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion,
			OSFeatures: slices.Clone(p.OSFeatures), Variant: p.Variant},
	})
}

// Remove drops the entry with digest d; none is errdefs.ErrNotFound.
func (l *List) Remove(d digest.Digest) error {
	n := len(l.oci.Manifests)
	l.docker.Manifests = slices.DeleteFunc(l.docker.Manifests, func(m manifest.Schema2ManifestDescriptor) bool { return m.Digest == d })
	l.oci.Manifests = slices.DeleteFunc(l.oci.Manifests, func(m v1.Descriptor) bool { return m.Digest == d })
	if len(l.oci.Manifests) == n {
		return errdefs.NotFoundf("no instance with digest %s in the manifest list", d)
	}
	return nil
}

// Instances lists the digests of the entries in order.
func (l *List) Instances() []digest.Digest {
	out := make([]digest.Digest, 0, len(l.oci.Manifests))
	for _, m := range l.oci.Manifests {
		out = append(out, m.Digest)
	}
	return out
}

// Instance returns the entry with digest d (errdefs.ErrNotFound if none).
func (l *List) Instance(d digest.Digest) (Instance, error) {
	i := l.find(d)
	if i < 0 {
		return Instance{}, errdefs.NotFoundf("no instance with digest %s in the manifest list", d)
	}
	o, dk := l.oci.Manifests[i], l.docker.Manifests[i]
	return Instance{
		Digest: d, Size: o.Size, MediaType: o.MediaType, URLs: slices.Clone(o.URLs),
		Annotations: maps.Clone(o.Annotations), ArtifactType: o.ArtifactType,
		Platform: Platform{OS: dk.Platform.OS, Architecture: dk.Platform.Architecture, Variant: dk.Platform.Variant,
			OSVersion: dk.Platform.OSVersion, OSFeatures: slices.Clone(dk.Platform.OSFeatures), Features: slices.Clone(dk.Platform.Features)},
	}, nil
}

// find is the position of digest d in both lists, -1 if absent. The two
// lists always hold the same digests in the same order.
func (l *List) find(d digest.Digest) int {
	return slices.IndexFunc(l.oci.Manifests, func(m v1.Descriptor) bool { return m.Digest == d })
}

// Annotation is a change to one entry: empty fields are left as they are;
// Annotations are merged into the entry's.
type Annotation struct {
	Platform    Platform
	Annotations map[string]string
}

// Annotate changes the entry with digest d (errdefs.ErrNotFound if none).
func (l *List) Annotate(d digest.Digest, a Annotation) error {
	i := l.find(d)
	if i < 0 {
		return errdefs.NotFoundf("no instance with digest %s in the manifest list", d)
	}
	o, dk := &l.oci.Manifests[i], &l.docker.Manifests[i]
	if o.Platform == nil {
		o.Platform = &v1.Platform{}
	}
	p := a.Platform
	set := func(v string, dst ...*string) {
		if v != "" {
			for _, d := range dst {
				*d = v
			}
		}
	}
	set(p.OS, &o.Platform.OS, &dk.Platform.OS)
	set(p.Architecture, &o.Platform.Architecture, &dk.Platform.Architecture)
	set(p.Variant, &o.Platform.Variant, &dk.Platform.Variant)
	set(p.OSVersion, &o.Platform.OSVersion, &dk.Platform.OSVersion)
	if len(p.OSFeatures) > 0 {
		o.Platform.OSFeatures, dk.Platform.OSFeatures = slices.Clone(p.OSFeatures), slices.Clone(p.OSFeatures)
	}
	if len(p.Features) > 0 {
		dk.Platform.Features = slices.Clone(p.Features)
	}
	if len(a.Annotations) > 0 {
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		maps.Copy(o.Annotations, a.Annotations)
	}
	return nil
}

// AnnotateIndex merges annotations into the index's own (OCI only).
func (l *List) AnnotateIndex(annotations map[string]string) {
	if len(annotations) == 0 {
		return
	}
	if l.oci.Annotations == nil {
		l.oci.Annotations = map[string]string{}
	}
	maps.Copy(l.oci.Annotations, annotations)
}

// SetSubject makes the index refer to the manifest d describes as its
// subject (OCI only).
func (l *List) SetSubject(d v1.Descriptor) {
	l.oci.Subject = &d
}

// preferOCI reports which format Serialize("") writes; see the package doc.
func (l *List) preferOCI() bool {
	if l.oci.ArtifactType != "" || l.oci.Subject != nil || len(l.oci.Annotations) > 0 {
		return true
	}
	for _, m := range l.oci.Manifests {
		if m.ArtifactType != "" || len(m.Annotations) > 0 || len(m.URLs) > 0 {
			return true
		}
	}
	for _, m := range l.docker.Manifests {
		if len(m.Platform.Features) > 0 {
			return false
		}
	}
	return len(l.docker.Manifests) != 0
}

// MIMEType is the format Serialize("") writes.
func (l *List) MIMEType() string {
	if l.preferOCI() {
		return v1.MediaTypeImageIndex
	}
	return manifest.DockerV2ListMediaType
}

// Serialize encodes the list as mimeType (a manifest list or image index
// type; "" for MIMEType()).
func (l *List) Serialize(mimeType string) ([]byte, error) {
	if mimeType == "" {
		mimeType = l.MIMEType()
	}
	switch mimeType {
	case v1.MediaTypeImageIndex:
		return json.Marshal(&l.oci)
	case manifest.DockerV2ListMediaType:
		return json.Marshal(&l.docker)
	}
	return nil, errdefs.InvalidArgumentf("manifest list type %q: use %s or %s", mimeType, v1.MediaTypeImageIndex, manifest.DockerV2ListMediaType)
}

// Descriptor is one entry as `manifest inspect` shows it: the Docker
// descriptor and platform with the OCI-only fields beside them.
type Descriptor struct {
	manifest.Schema2Descriptor
	Platform     manifest.Schema2PlatformSpec `json:"platform"`
	Annotations  map[string]string            `json:"annotations,omitempty"`
	ArtifactType string                       `json:"artifactType,omitempty"`
}

// Inspect is the document `manifest inspect` prints, podman's shape.
type Inspect struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Manifests     []Descriptor      `json:"manifests"`
	Subject       *Descriptor       `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// Inspect returns the list as `manifest inspect` shows it; MediaType is
// the format Serialize("") would write.
func (l *List) Inspect() Inspect {
	out := Inspect{SchemaVersion: 2, MediaType: l.MIMEType(), ArtifactType: l.oci.ArtifactType,
		Annotations: maps.Clone(l.oci.Annotations), Manifests: []Descriptor{}}
	for i, m := range l.docker.Manifests {
		o := l.oci.Manifests[i]
		out.Manifests = append(out.Manifests, Descriptor{
			Schema2Descriptor: m.Schema2Descriptor, Platform: m.Platform,
			Annotations: maps.Clone(o.Annotations), ArtifactType: o.ArtifactType,
		})
	}
	if s := l.oci.Subject; s != nil {
		out.Subject = &Descriptor{
			Schema2Descriptor: manifest.Schema2Descriptor{MediaType: s.MediaType, Size: s.Size, Digest: s.Digest, URLs: slices.Clone(s.URLs)},
			Annotations:       maps.Clone(s.Annotations), ArtifactType: s.ArtifactType,
		}
	}
	return out
}
