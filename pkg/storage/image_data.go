package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	istorage "github.com/containers/image/v5/storage"
	cstorage "github.com/containers/storage"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// ImageData is what an image holds beyond its storage record: its
// configuration, the type of its manifest and its layers.
type ImageData struct {
	Config       *v1.Image
	ManifestType string
	// Annotations are the OCI manifest's (none for Docker's format).
	Annotations map[string]string
	// Layers are the image's layers, base first.
	Layers []cstorage.Layer
}

// ImageData reads the configuration, manifest type and layer chain of the
// image with the full ID id.
func (s *Store) ImageData(ctx context.Context, id string) (*ImageData, error) {
	ref, err := istorage.Transport.NewStoreReference(s.Store, nil, id)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	img, err := ref.NewImage(ctx, s.sys)
	if err != nil {
		if errors.Is(err, cstorage.ErrImageUnknown) {
			return nil, errdefs.NotFoundf("image %s not found", id)
		}
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", id, err)
	}
	raw, mime, err := img.Manifest(ctx)
	if err != nil {
		return nil, fmt.Errorf("read manifest of image %s: %w", id, err)
	}
	var annotations map[string]string
	if mime == v1.MediaTypeImageManifest {
		var m v1.Manifest
		if json.Unmarshal(raw, &m) == nil {
			annotations = m.Annotations
		}
	}
	rec, err := s.Image(id)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	layers, err := s.LayerChain(rec.TopLayer)
	if err != nil {
		return nil, fmt.Errorf("layers of image %s: %w", id, err)
	}
	return &ImageData{Config: cfg, ManifestType: mime, Annotations: annotations, Layers: layers}, nil
}

// LayerChain returns top and its ancestors, base first. An empty top
// (an image without layers) gives no layers.
func (s *Store) LayerChain(top string) ([]cstorage.Layer, error) {
	var chain []cstorage.Layer
	for id := top; id != ""; {
		l, err := s.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", id, err)
		}
		chain = append([]cstorage.Layer{*l}, chain...)
		id = l.Parent
	}
	return chain, nil
}
