package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/manifest"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/manifests"
)

// RemoteManifest reads the manifest of name in a registry (a short name
// tried at each search registry in turn). A list comes back as
// manifests.Inspect with the list's own media type; a single image's
// manifest as its JSON (json.RawMessage).
func (s *Store) RemoteManifest(ctx context.Context, name string, o RegistryOptions) (any, error) {
	sys, err := s.registryContext(o)
	if err != nil {
		return nil, err
	}
	name = strings.TrimPrefix(name, "docker://")
	resolved, err := resolve(sys, name)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, c := range resolved.PullCandidates {
		ref, err := docker.NewReference(c.Value)
		if err != nil {
			return nil, errdefs.InvalidArgumentf("%s: %w", name, err)
		}
		src, err := ref.NewImageSource(ctx, withReadableAuth(sys, c.Value))
		if err != nil {
			errs = append(errs, categorizeRegistryError(fmt.Errorf("read %s: %w", c.Value, err)))
			continue
		}
		b, mt, err := src.GetManifest(ctx, nil)
		src.Close()
		if err != nil {
			errs = append(errs, categorizeRegistryError(fmt.Errorf("read manifest of %s: %w", c.Value, err)))
			continue
		}
		if !manifest.MIMETypeIsMultiImage(mt) {
			return json.RawMessage(b), nil
		}
		list, err := manifests.FromBlob(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Value, err)
		}
		out := list.Inspect()
		out.MediaType = mt
		return out, nil
	}
	return nil, joinPullErrors(name, errs)
}
