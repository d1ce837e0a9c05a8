package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// LookupImage finds a local image by full or short ID, by full name, or by
// a short name resolved as podman does (localhost/, then the search
// registries of registries.conf, then docker.io). It never goes to the
// network. The error wraps errdefs.ErrNotFound when nothing matches.
func (s *Store) LookupImage(name string) (*cstorage.Image, error) {
	if name == "" {
		return nil, errdefs.InvalidArgumentf("empty image name")
	}
	// A (possibly short) ID.
	if img, err := s.Image(strings.TrimPrefix(name, "sha256:")); err == nil {
		return img, nil
	}
	candidates, err := shortnames.ResolveLocally(s.sys, name)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("image %q: %w", name, err)
	}
	for _, c := range candidates {
		if img, err := s.imageByName(c); err == nil {
			return img, nil
		}
	}
	if img := s.imageByShortName(name); img != nil {
		return img, nil
	}
	// podman's words, which scripts match.
	return nil, errdefs.NotFoundf("%s: image not known", name)
}

// imageByShortName finds a local image from any registry by a short name,
// the last step of podman's lookup in local storage: "tool:1" or
// "team/tool" (tag latest) names quay.io/team/tool:1 when no candidate of
// the search registries is local. With several matches the newest image
// wins.
func (s *Store) imageByShortName(name string) *cstorage.Image {
	if !IsShortName(name) {
		return nil
	}
	images, err := s.Images()
	if err != nil {
		return nil
	}
	var best *cstorage.Image
	for i := range images {
		for _, n := range images[i].Names {
			if MatchesShortName(name, n) && (best == nil || images[i].Created.After(best.Created)) {
				best = &images[i]
			}
		}
	}
	return best
}

// IsShortName reports whether name is a short image name: no registry
// (its first component has no "." or ":" and is not "localhost") and no
// digest.
func IsShortName(name string) bool {
	if name == "" || strings.Contains(name, "@") {
		return false
	}
	first, _, hasSlash := strings.Cut(name, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return false
	}
	_, err := reference.ParseNormalizedNamed(name)
	return err == nil
}

// MatchesShortName reports whether the stored, fully qualified image name
// full is the short name short in some registry: its repository path ends
// in short's path at a "/" boundary and the tags agree (latest when short
// has none).
func MatchesShortName(short, full string) bool {
	path, tag := short, "latest"
	if i := strings.LastIndex(short, ":"); i > strings.LastIndex(short, "/") {
		path, tag = short[:i], short[i+1:]
	}
	named, err := reference.ParseNormalizedNamed(full)
	if err != nil {
		return false
	}
	tagged, ok := named.(reference.NamedTagged)
	if !ok || tagged.Tag() != tag {
		return false
	}
	repo := reference.Domain(named) + "/" + reference.Path(named)
	return strings.HasSuffix(repo, "/"+path)
}

// imageByName looks up a fully qualified name; a digested name matches an
// image whose manifest has that digest.
func (s *Store) imageByName(named reference.Named) (*cstorage.Image, error) {
	if _, ok := named.(reference.Canonical); !ok {
		return s.Image(named.String())
	}
	ref, err := istorage.Transport.NewStoreReference(s.Store, named, "")
	if err != nil {
		return nil, err
	}
	_, img, err := istorage.ResolveReference(ref)
	return img, err
}

// ImageConfig reads an image's OCI configuration (entrypoint, command,
// environment, working directory, user, volumes, labels, ...).
func (s *Store) ImageConfig(ctx context.Context, id string) (*v1.Image, error) {
	img, err := s.openImage(ctx, id)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", id, err)
	}
	return cfg, nil
}

// openImage opens a stored image by ID for reading its manifest and
// config. The caller must Close it.
func (s *Store) openImage(ctx context.Context, id string) (types.ImageCloser, error) {
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
	return img, nil
}
