package storage

import (
	"context"
	"fmt"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// RemoteDigest asks the registry for the digest of the manifest it serves
// for name, a fully qualified reference (no short-name resolution: what
// auto-update compares must name one image). Nothing is downloaded but the
// manifest's digest (a HEAD request where the registry answers one).
func (s *Store) RemoteDigest(ctx context.Context, name string, opts RegistryOptions) (digest.Digest, error) {
	sys, err := s.registryContext(opts)
	if err != nil {
		return "", err
	}
	named, err := reference.ParseNamed(name)
	if err != nil {
		return "", errdefs.InvalidArgumentf("image %q is not a fully qualified reference: %v", name, err)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return "", errdefs.InvalidArgumentf("%s: %v", name, err)
	}
	d, err := docker.GetDigest(ctx, withReadableAuth(sys, named), ref)
	if err != nil {
		return "", categorizeRegistryError(fmt.Errorf("digest of %s: %w", name, err))
	}
	return d, nil
}
