package images

import (
	"context"
	"errors"
	"fmt"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	cstorage "github.com/containers/storage"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/storage"
)

// TagImage adds names to a local image. A name without registry is
// recorded under localhost/, one without tag gets :latest. A name another
// image had moves to this one, as in Docker.
func (r *Service) TagImage(ctx context.Context, nameOrID string, names ...string) error {
	img, err := r.lookupImage(nameOrID)
	if err != nil {
		return err
	}
	full := make([]string, 0, len(names))
	for _, n := range names {
		named, err := storage.NormalizeName(n)
		if err != nil {
			return err
		}
		if _, digested := named.(reference.Digested); digested {
			return errdefs.InvalidArgumentf("tag %s: a tag cannot carry a digest", n)
		}
		full = append(full, named.String())
	}
	if err := r.store.AddNames(img.ID, full); err != nil {
		return fmt.Errorf("tag image %s: %w", shortID(img.ID), err)
	}
	r.imageEvents(ctx, "tag", img.ID, full)
	return nil
}

// UntagImage removes names from a local image, all of them when names is
// empty. The image itself stays, dangling if it has no name left. The
// error wraps errdefs.ErrNotFound for a name the image does not have.
func (r *Service) UntagImage(ctx context.Context, nameOrID string, names ...string) ([]string, error) {
	img, err := r.lookupImage(nameOrID)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		removed := append([]string(nil), img.Names...)
		if err := r.store.SetNames(img.ID, nil); err != nil {
			return nil, fmt.Errorf("untag image %s: %w", shortID(img.ID), err)
		}
		r.imageEvents(ctx, "untag", img.ID, removed)
		return removed, nil
	}
	var drop []string
	for _, n := range names {
		full, err := r.imageNameMatching(img.Names, n)
		if err != nil {
			return nil, err
		}
		drop = append(drop, full)
	}
	if err := r.store.RemoveNames(img.ID, drop); err != nil {
		return nil, fmt.Errorf("untag image %s: %w", shortID(img.ID), err)
	}
	r.imageEvents(ctx, "untag", img.ID, drop)
	return drop, nil
}

// imageNameMatching finds which of an image's names the user's name
// means: the name as given, normalized like tag does, or as a short name
// resolves locally.
func (r *Service) imageNameMatching(have []string, name string) (string, error) {
	var candidates []string
	if named, err := storage.NormalizeName(name); err == nil {
		candidates = append(candidates, named.String())
	}
	if resolved, err := shortnames.ResolveLocally(r.store.SystemContext(), name); err == nil {
		for _, c := range resolved {
			candidates = append(candidates, c.String())
		}
	}
	for _, c := range candidates {
		for _, h := range have {
			if c == h {
				return h, nil
			}
		}
	}
	// A short name from another registry, as LookupImage finds it.
	if storage.IsShortName(name) {
		for _, h := range have {
			if storage.MatchesShortName(name, h) {
				return h, nil
			}
		}
	}
	return "", errdefs.NotFoundf("%s: tag not known", name)
}

// ImageExists reports whether a local image has this name or ID.
func (r *Service) ImageExists(ctx context.Context, nameOrID string) (bool, error) {
	_, err := r.store.LookupImage(nameOrID)
	if err == nil {
		return true, nil
	}
	if errorsIsNotFound(err) {
		return false, nil
	}
	return false, err
}

// lookupImage finds a local image, saying "image not known" as podman does
// when there is none.
func (r *Service) lookupImage(name string) (*cstorage.Image, error) {
	img, err := r.store.LookupImage(name)
	if err != nil && errors.Is(err, errdefs.ErrNotFound) {
		return nil, errdefs.NotFoundf("%s: image not known", name)
	}
	return img, err
}
