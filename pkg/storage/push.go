package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/pkg/shortnames"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/transports"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	digest "github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// PushOptions say how to push.
type PushOptions struct {
	RegistryOptions
	// Format forces the manifest type: "oci" or "v2s2"; empty keeps the
	// image's own when the registry accepts it.
	Format string
	// Progress receives progress lines or bars; nil discards them.
	Progress io.Writer
}

// Push copies the local image src to dest, a registry reference
// ("registry/repo:tag", optionally "docker://...").
// An empty dest pushes to the image's own name. It returns the digest of
// the manifest written.
func (s *Store) Push(ctx context.Context, src, dest string, opts PushOptions) (digest.Digest, error) {
	img, err := s.LookupImage(src)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return "", errdefs.NotFoundf("%s: image not known", src)
		}
		return "", err
	}
	if dest == "" {
		if dest, err = s.ownName(img, src); err != nil {
			return "", err
		}
	}
	destRef, err := parseDestination(dest)
	if err != nil {
		return "", err
	}
	mime := ""
	switch opts.Format {
	case "":
	case "oci":
		mime = "application/vnd.oci.image.manifest.v1+json"
	case "v2s2", "docker":
		mime = manifest.DockerV2Schema2MediaType
	default:
		return "", errdefs.InvalidArgumentf("manifest format %q: use oci or v2s2", opts.Format)
	}
	sys, err := s.registryContext(opts.RegistryOptions)
	if err != nil {
		return "", err
	}
	sys = withReadableAuth(sys, destRef.DockerReference())
	srcRef, err := istorage.Transport.NewStoreReference(s.Store, nil, img.ID)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", src, err)
	}
	pc, err := PolicyContext()
	if err != nil {
		return "", err
	}
	defer func() { _ = pc.Destroy() }()
	out, err := copy.Image(ctx, pc, destRef, srcRef, &copy.Options{
		SourceCtx:             s.sys,
		DestinationCtx:        sys,
		ReportWriter:          progressWriter(opts.Progress),
		ForceManifestMIMEType: mime,
	})
	if err != nil {
		return "", fmt.Errorf("push %s to %s: %w", src, transports.ImageName(destRef), err)
	}
	d, err := manifest.Digest(out)
	if err != nil {
		return "", fmt.Errorf("digest of pushed manifest: %w", err)
	}
	return d, nil
}

// ownName is the stored name the user meant by src, for a push without
// destination: the name itself, the name a short name resolves to, or the
// only name of an image given by ID.
func (s *Store) ownName(img *cstorage.Image, src string) (string, error) {
	var candidates []string
	if named, err := reference.ParseNormalizedNamed(src); err == nil {
		candidates = append(candidates, reference.TagNameOnly(named).String())
	}
	if resolved, err := shortnames.ResolveLocally(s.sys, src); err == nil {
		for _, c := range resolved {
			candidates = append(candidates, c.String())
		}
	}
	for _, c := range candidates {
		if slices.Contains(img.Names, c) {
			return c, nil
		}
	}
	if len(img.Names) == 1 {
		return img.Names[0], nil
	}
	return "", errdefs.InvalidArgumentf("image %s has %d names: give a destination", src, len(img.Names))
}

// parseDestination reads a push destination: a registry reference,
// optionally with the docker:// prefix.
func parseDestination(dest string) (types.ImageReference, error) {
	dest = strings.TrimPrefix(dest, "docker://")
	named, err := reference.ParseNormalizedNamed(dest)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("destination %q: %w", dest, err)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return nil, errdefs.InvalidArgumentf("destination %q: %w", dest, err)
	}
	return ref, nil
}
