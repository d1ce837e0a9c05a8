package storage

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	digest "github.com/opencontainers/go-digest"
)

// copyLocal copies one image between two local transports (storage and an
// archive or directory) under the signature policy of policy.json. Progress
// goes to progress when it is not nil; mime forces the manifest type.
func (s *Store) copyLocal(ctx context.Context, dst, src types.ImageReference, progress io.Writer, mime string, dstSys *types.SystemContext) ([]byte, error) {
	pc, err := PolicyContext()
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()
	if dstSys == nil {
		dstSys = s.sys
	}
	return copy.Image(ctx, pc, dst, src, &copy.Options{
		ReportWriter:          progress,
		SourceCtx:             s.sys,
		DestinationCtx:        dstSys,
		ForceManifestMIMEType: mime,
	})
}

// lookupForArchive finds a local image as LookupImage does and also returns
// the tag the user named it by, nil when it was named by ID or digest: an
// archive records that tag, as podman and Docker do.
func (s *Store) lookupForArchive(name string) (*cstorage.Image, reference.NamedTagged, error) {
	img, err := s.LookupImage(name)
	if err != nil {
		return nil, nil, err
	}
	if strings.HasPrefix(img.ID, strings.TrimPrefix(name, "sha256:")) {
		return img, nil, nil
	}
	candidates, err := shortnames.ResolveLocally(s.sys, name)
	if err != nil {
		return img, nil, nil
	}
	for _, c := range candidates {
		if tagged, ok := c.(reference.NamedTagged); ok && slices.Contains(img.Names, c.String()) {
			if _, digested := c.(reference.Canonical); !digested {
				return img, tagged, nil
			}
		}
	}
	return img, nil, nil
}

// imageIDOf is the ID storage gives the image at ref: the digest of its
// configuration, as podman computes it before a copy so that the copy can
// name the image by ID.
func (s *Store) imageIDOf(ctx context.Context, ref types.ImageReference) (string, []digest.Digest, error) {
	img, err := ref.NewImage(ctx, s.sys)
	if err != nil {
		return "", nil, err
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("read image configuration: %w", err)
	}
	return img.ConfigInfo().Digest.Encoded(), cfg.RootFS.DiffIDs, nil
}
