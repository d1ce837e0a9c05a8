package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	digest "github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// copyLocal copies one image between two local transports (storage and an
// archive or directory) under the signature policy of policy.json. Progress
// goes to progress when it is not nil; mime forces the manifest type.
func (s *Store) copyLocal(ctx context.Context, dst, src types.ImageReference, progress io.Writer, mime string, dstSys *types.SystemContext) ([]byte, error) {
	pc, err := s.localPolicyContext()
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

// localPolicyContext reads policy.json from its usual places. A machine
// with no policy file at all (no containers-common installed) accepts
// local copies, as Docker does; a file that exists but is invalid is an
// error.
func (s *Store) localPolicyContext() (*signature.PolicyContext, error) {
	policy, err := signature.DefaultPolicy(s.sys)
	if errors.Is(err, fs.ErrNotExist) {
		policy = &signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}}
	} else if err != nil {
		return nil, fmt.Errorf("read signature policy: %w", err)
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return nil, fmt.Errorf("signature policy: %w", err)
	}
	return pc, nil
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

// LocalName normalises a name given for a new local image as podman does:
// a name without a registry goes under localhost/, a name without a tag
// or digest gets :latest.
func LocalName(name string) (reference.Named, error) {
	if name == "" {
		return nil, fmt.Errorf("empty image name: %w", errdefs.ErrInvalidArg)
	}
	full := name
	if i := strings.IndexRune(name, '/'); i < 0 || !strings.ContainsAny(name[:i], ".:") && name[:i] != "localhost" {
		full = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(full)
	if err != nil {
		return nil, fmt.Errorf("invalid image name %q: %w: %w", name, errdefs.ErrInvalidArg, err)
	}
	return reference.TagNameOnly(named), nil
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
