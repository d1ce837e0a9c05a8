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
	"github.com/containers/image/v5/pkg/compression"
	"github.com/containers/image/v5/pkg/shortnames"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/transports"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	digest "github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/signing"
)

// Compression says how pushed layers are compressed.
type Compression struct {
	// Format is "gzip", "zstd" or "zstd:chunked"; empty keeps what the
	// destination and source have (gzip for layers from local storage).
	Format string
	// Level is the algorithm's level; nil is its default.
	Level *int
	// Force recompresses layers the destination has already in another
	// format; it needs Format.
	Force bool
	// Dir compresses layers written to a "dir:" destination, which keeps
	// them as the source has them otherwise.
	Dir bool
}

// apply sets the compression in sys and says whether copy.Options must
// force it.
func (c Compression) apply(sys *types.SystemContext) (bool, error) {
	if c.Format != "" {
		algo, err := compression.AlgorithmByName(c.Format)
		if err != nil {
			return false, errdefs.InvalidArgumentf("compression format %q: use gzip, zstd or zstd:chunked", c.Format)
		}
		sys.CompressionFormat = &algo
	} else if c.Force {
		return false, errdefs.InvalidArgumentf("forcing the compression needs a compression format")
	}
	if c.Level != nil {
		sys.CompressionLevel = c.Level
	}
	if c.Dir {
		sys.DirForceCompress = true
	}
	return c.Force, nil
}

// PushOptions say how to push.
type PushOptions struct {
	RegistryOptions
	Compression
	// RemoveSignatures copies no signatures.
	RemoveSignatures bool
	// Format forces the manifest type: "oci" or "v2s2"; empty keeps the
	// image's own when the registry accepts it.
	Format string
	// Sign says which signatures to add.
	Sign signing.Options
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
	destRef, err := destinationReference(dest)
	if err != nil {
		return "", err
	}
	mime, err := formatMIMEType(opts.Format)
	if err != nil {
		return "", err
	}
	sys, err := s.registryContext(opts.RegistryOptions)
	if err != nil {
		return "", err
	}
	if named := destRef.DockerReference(); named != nil {
		sys = withReadableAuth(sys, named)
	}
	force, err := opts.apply(sys)
	if err != nil {
		return "", err
	}
	srcRef, err := istorage.Transport.NewStoreReference(s.Store, nil, img.ID)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", src, err)
	}
	pc, err := pushPolicyContext()
	if err != nil {
		return "", err
	}
	defer func() { _ = pc.Destroy() }()
	sign, err := preparePushSigning(ctx, opts.Sign, destRef, sys)
	if err != nil {
		return "", err
	}
	defer sign.close()
	out, err := copy.Image(ctx, pc, destRef, srcRef, &copy.Options{
		SourceCtx:              s.sys,
		DestinationCtx:         sys,
		ReportWriter:           progressWriter(opts.Progress),
		ForceManifestMIMEType:  mime,
		RemoveSignatures:       opts.RemoveSignatures,
		ForceCompressionFormat: force,
		Signers:                sign.copySigners(),
	})
	if err != nil {
		return "", fmt.Errorf("push %s to %s: %w", src, transports.ImageName(destRef), err)
	}
	if err := sign.signPushed(ctx, srcRef, s.sys, destRef, sys, out, false, opts.RemoveSignatures); err != nil {
		return "", fmt.Errorf("sign %s: %w", transports.ImageName(destRef), err)
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
