package images

import (
	"context"
	"fmt"
	"time"

	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/storage"
)

// ImageInspect is what `pod image inspect` prints for one image, in the
// shape podman prints it.
type ImageInspect struct {
	ID           string            `json:"Id"`
	Digest       string            `json:"Digest"`
	RepoTags     []string          `json:"RepoTags"`
	RepoDigests  []string          `json:"RepoDigests"`
	Parent       string            `json:"Parent"`
	Comment      string            `json:"Comment"`
	Created      *time.Time        `json:"Created,omitempty"`
	Config       *v1.ImageConfig   `json:"Config"`
	Version      string            `json:"Version"`
	Author       string            `json:"Author"`
	Architecture string            `json:"Architecture"`
	Os           string            `json:"Os"`
	Variant      string            `json:"Variant,omitempty"`
	Size         int64             `json:"Size"`
	VirtualSize  int64             `json:"VirtualSize"`
	GraphDriver  GraphDriverData   `json:"GraphDriver"`
	RootFS       ImageRootFS       `json:"RootFS"`
	Labels       map[string]string `json:"Labels"`
	Annotations  map[string]string `json:"Annotations"`
	ManifestType string            `json:"ManifestType"`
	User         string            `json:"User"`
	History      []v1.History      `json:"History"`
	NamesHistory []string          `json:"NamesHistory"`
}

// GraphDriverData names the storage driver and its data for the image's
// top layer.
type GraphDriverData struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// ImageRootFS lists the uncompressed digests of the image's layers.
type ImageRootFS struct {
	Type   string          `json:"Type"`
	Layers []digest.Digest `json:"Layers"`
}

// InspectImage describes a local image found by name or (short) ID. The
// error wraps errdefs.ErrNotFound when there is no such image.
func (r *Service) InspectImage(ctx context.Context, nameOrID string) (*ImageInspect, error) {
	img, err := r.lookupImage(nameOrID)
	if err != nil {
		return nil, err
	}
	data, err := r.store.ImageData(ctx, img.ID)
	if err != nil {
		if ml, lerr := r.store.LookupManifestList(img.ID); lerr == nil {
			return r.inspectList(img.ID, ml)
		}
		return nil, err
	}
	size, err := r.store.ImageSize(img.ID)
	if err != nil {
		return nil, fmt.Errorf("size of image %s: %w", img.ID, err)
	}
	cfg := data.Config
	out := &ImageInspect{
		ID:           img.ID,
		Digest:       img.Digest.String(),
		RepoTags:     nonNil(taggedNames(img.Names)),
		RepoDigests:  nonNil(repoDigests(img)),
		Created:      cfg.Created,
		Config:       &cfg.Config,
		Author:       cfg.Author,
		Architecture: cfg.Architecture,
		Os:           cfg.OS,
		Variant:      cfg.Variant,
		Size:         size,
		VirtualSize:  size,
		GraphDriver:  GraphDriverData{Name: r.store.GraphDriverName(), Data: map[string]string{}},
		RootFS:       ImageRootFS{Type: cfg.RootFS.Type, Layers: nonNil(cfg.RootFS.DiffIDs)},
		Labels:       cfg.Config.Labels,
		Annotations:  map[string]string{},
		ManifestType: data.ManifestType,
		User:         cfg.Config.User,
		History:      nonNil(cfg.History),
		NamesHistory: nonNil(img.NamesHistory),
	}
	for k, v := range data.Annotations {
		out.Annotations[k] = v
	}
	if out.Created == nil && !img.Created.IsZero() {
		c := img.Created
		out.Created = &c
	}
	if len(cfg.History) > 0 {
		out.Comment = cfg.History[len(cfg.History)-1].Comment
	}
	if img.TopLayer != "" {
		if drv, err := r.store.GraphDriver(); err == nil {
			if md, err := drv.Metadata(img.TopLayer); err == nil {
				out.GraphDriver.Data = md
			}
		}
	}
	return out, nil
}

// inspectList describes a manifest list, which has no configuration or
// layers, as podman does: its names, digest, manifest type and the index's
// annotations; pod-manifest-inspect(1) shows its entries.
func (r *Service) inspectList(id string, ml *storage.ManifestList) (*ImageInspect, error) {
	img, err := r.store.Image(id)
	if err != nil {
		return nil, err
	}
	size, err := r.store.ImageSize(id)
	if err != nil {
		return nil, fmt.Errorf("size of image %s: %w", id, err)
	}
	in := ml.List.Inspect()
	created := img.Created
	annotations := in.Annotations
	if annotations == nil {
		annotations = map[string]string{}
	}
	return &ImageInspect{
		ID: id, Digest: img.Digest.String(),
		RepoTags: nonNil(taggedNames(img.Names)), RepoDigests: nonNil(repoDigests(img)),
		Created: &created, Config: &v1.ImageConfig{}, Size: size, VirtualSize: size,
		GraphDriver:  GraphDriverData{Name: r.store.GraphDriverName(), Data: map[string]string{}},
		RootFS:       ImageRootFS{Layers: []digest.Digest{}},
		Annotations:  annotations,
		ManifestType: in.MediaType,
		History:      []v1.History{},
		NamesHistory: nonNil(img.NamesHistory),
	}, nil
}

// nonNil makes empty lists print as [] rather than null, as podman does.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
