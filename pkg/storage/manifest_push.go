package storage

import (
	"context"
	"fmt"
	"io"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/pkg/compression"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/transports"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/signing"
)

// PushListOptions say how PushManifestList pushes.
type PushListOptions struct {
	RegistryOptions
	Compression
	// All pushes the entries' images too; without it only the list is
	// written and its images must be at the destination already.
	All bool
	// Format forces the entries' manifest type and with it the list's:
	// "oci" (an image index) or "v2s2" (a Docker manifest list).
	Format string
	// RemoveSignatures copies no signatures.
	RemoveSignatures bool
	// AddCompression names compressions ("zstd", "gzip", "zstd:chunked")
	// each image is pushed in as well, as an extra entry per platform.
	// It needs All.
	AddCompression []string
	// Sign says which signatures to add: to the list and, with All, to
	// each image.
	Sign signing.Options
	// Progress receives progress lines or bars; nil discards them.
	Progress io.Writer
}

// PushManifestList copies the list name, with its images when All, to
// dest: a reference with a transport, else a registry
// ("registry/repo:tag"); empty pushes to the list's own name. It returns
// the digest of the list written.
func (s *Store) PushManifestList(ctx context.Context, name, dest string, o PushListOptions) (digest.Digest, error) {
	ml, err := s.LookupManifestList(name)
	if err != nil {
		return "", err
	}
	if dest == "" {
		img, err := s.LookupImage(ml.ID)
		if err != nil {
			return "", err
		}
		if dest, err = s.ownName(img, name); err != nil {
			return "", err
		}
	}
	destRef, err := destinationReference(dest)
	if err != nil {
		return "", err
	}
	mime, err := formatMIMEType(o.Format)
	if err != nil {
		return "", err
	}
	sys, err := s.registryContext(o.RegistryOptions)
	if err != nil {
		return "", err
	}
	if named := destRef.DockerReference(); named != nil {
		sys = withReadableAuth(sys, named)
	}
	force, err := o.apply(sys)
	if err != nil {
		return "", err
	}
	src, err := s.listReference(ml)
	if err != nil {
		return "", err
	}
	pc, err := pushPolicyContext()
	if err != nil {
		return "", err
	}
	defer func() { _ = pc.Destroy() }()
	selection := copy.CopySpecificImages // with no instances: the list alone
	if o.All {
		selection = copy.CopyAllImages
	}
	var variants []copy.OptionCompressionVariant
	for _, name := range o.AddCompression {
		algo, err := compression.AlgorithmByName(name)
		if err != nil {
			return "", errdefs.InvalidArgumentf("--add-compression %q: use gzip, zstd or zstd:chunked", name)
		}
		variants = append(variants, copy.OptionCompressionVariant{Algorithm: algo})
	}
	if len(variants) > 0 && !o.All {
		return "", errdefs.InvalidArgumentf("--add-compression needs the images pushed too (--all)")
	}
	sign, err := preparePushSigning(ctx, o.Sign, destRef, sys)
	if err != nil {
		return "", err
	}
	defer sign.close()
	out, err := copy.Image(ctx, pc, destRef, src, &copy.Options{
		SourceCtx:                      sys,
		DestinationCtx:                 sys,
		ReportWriter:                   progressWriter(o.Progress),
		ImageListSelection:             selection,
		ForceManifestMIMEType:          mime,
		RemoveSignatures:               o.RemoveSignatures,
		ForceCompressionFormat:         force,
		EnsureCompressionVariantsExist: variants,
		Signers:                        sign.copySigners(),
	})
	if err != nil {
		return "", categorizeRegistryError(fmt.Errorf("push manifest list %s to %s: %w", name, transports.ImageName(destRef), err))
	}
	if err := sign.signPushed(ctx, src, sys, destRef, sys, out, o.All, o.RemoveSignatures); err != nil {
		return "", fmt.Errorf("sign %s: %w", transports.ImageName(destRef), err)
	}
	return manifest.Digest(out)
}

// destinationReference reads a push destination: a reference with a
// transport ("docker://", "oci-archive:", "dir:", ...), else a registry's.
func destinationReference(dest string) (types.ImageReference, error) {
	if ref, err := parseTransportName(dest); err == nil {
		if ref.Transport().Name() == istorage.Transport.Name() {
			return nil, errdefs.InvalidArgumentf("destination %q: local storage is no push destination (tag the image instead)", dest)
		}
		return ref, nil
	}
	return parseDestination(dest)
}

// formatMIMEType is the single-image manifest type a --format names; the
// list type follows from it.
func formatMIMEType(format string) (string, error) {
	switch format {
	case "":
		return "", nil
	case "oci":
		return v1.MediaTypeImageManifest, nil
	case "v2s2", "docker":
		return manifest.DockerV2Schema2MediaType, nil
	}
	return "", errdefs.InvalidArgumentf("manifest format %q: use oci or v2s2", format)
}
