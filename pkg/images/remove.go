package images

import (
	"context"
	"errors"
	"fmt"
	"strings"

	cstorage "github.com/containers/storage"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// RemoveImagesOptions say how RemoveImages treats images in use.
type RemoveImagesOptions struct {
	// Force removes the containers using an image, and the image with
	// them, instead of refusing.
	Force bool
	// All removes every image; names must then be empty.
	All bool
	// Ignore passes over names that match no image, as Force does too
	// (podman's rmi --ignore and --force).
	Ignore bool
}

// ImageRemoval is what removing images did, in the order it happened.
type ImageRemoval struct {
	Untagged []string // names removed
	Deleted  []string // IDs of images removed
}

// RemoveImages removes local images. An image named by one of several
// names only loses that name; an image named by ID, or by its only name,
// is removed with all its names. An image a container uses is refused
// (errdefs.ErrConflict) unless Force. It goes on after a failure and
// returns what it did with every error, each wrapped in its category.
func (r *Service) RemoveImages(ctx context.Context, names []string, opts RemoveImagesOptions) (*ImageRemoval, []error) {
	rep := &ImageRemoval{}
	if opts.All {
		if len(names) > 0 {
			return rep, []error{errdefs.InvalidArgumentf("when using --all, no image names or IDs may be given")}
		}
		images, err := r.store.Images()
		if err != nil {
			return rep, []error{fmt.Errorf("list images: %w", err)}
		}
		var errs []error
		for _, img := range images {
			if err := r.removeImage(ctx, img.ID, opts.Force, rep); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
				errs = append(errs, err)
			}
		}
		return rep, errs
	}
	var errs []error
	for _, name := range names {
		img, err := r.lookupImage(name)
		if err != nil {
			if !((opts.Ignore || opts.Force) && errors.Is(err, errdefs.ErrNotFound)) {
				errs = append(errs, err)
			}
			continue
		}
		if len(img.Names) > 1 && !byID(img, name) {
			full, err := r.imageNameMatching(img.Names, name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if err := r.store.RemoveNames(img.ID, []string{full}); err != nil {
				errs = append(errs, fmt.Errorf("untag %s: %w", name, err))
				continue
			}
			rep.Untagged = append(rep.Untagged, full)
			r.imageEvent(ctx, "untag", img.ID, full)
			continue
		}
		if err := r.removeImage(ctx, img.ID, opts.Force, rep); err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errs
}

// byID reports whether the user named img by (a prefix of) its ID.
func byID(img *cstorage.Image, name string) bool {
	name = strings.TrimPrefix(name, "sha256:")
	return len(name) >= 3 && strings.HasPrefix(img.ID, name)
}

// removeImage deletes one image with all its names, and with Force the
// containers made from it first.
func (r *Service) removeImage(ctx context.Context, id string, force bool, rep *ImageRemoval) error {
	users, err := r.imageContainers(id)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		if !force {
			return errdefs.Conflictf("image used by %s: image is in use by a container", users[0])
		}
		for _, c := range users {
			if err := r.removeImageContainer(ctx, c); err != nil {
				return fmt.Errorf("remove container %s using image %s: %w", shortID(c), shortID(id), err)
			}
		}
	}
	img, err := r.store.Image(id)
	if err != nil {
		return errdefs.NotFoundf("image %s not found", id)
	}
	if _, err := r.store.DeleteImage(id, true); err != nil {
		if errors.Is(err, cstorage.ErrImageUsedByContainer) {
			return errdefs.Conflictf("image used by a container: image is in use by a container")
		}
		return fmt.Errorf("remove image %s: %w", shortID(id), err)
	}
	rep.Untagged = append(rep.Untagged, img.Names...)
	rep.Deleted = append(rep.Deleted, id)
	r.imageEvent(ctx, "remove", id, firstName(img.Names))
	return nil
}

// imageContainers lists the IDs of the storage containers made from image id.
func (r *Service) imageContainers(id string) ([]string, error) {
	cs, err := r.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []string
	for _, c := range cs {
		if c.ImageID == id {
			out = append(out, c.ID)
		}
	}
	return out, nil
}

// removeImageContainer removes a container that stands in the way of a
// forced image removal: its storage (root filesystem) is unmounted and
// deleted.
func (r *Service) removeImageContainer(ctx context.Context, id string) error {
	if _, err := r.store.Unmount(id, true); err != nil && !errors.Is(err, cstorage.ErrLayerUnknown) && !errors.Is(err, cstorage.ErrContainerUnknown) {
		return err
	}
	if err := r.store.DeleteContainer(id); err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) {
		return err
	}
	return nil
}

// PruneImagesOptions select what PruneImages removes.
type PruneImagesOptions struct {
	// All removes every image no container uses, not only dangling ones.
	All bool
	// Filters are "label=..." and "until=..." strings.
	Filters []string
	// External, when set, reports whether a storage container is not
	// one of the caller's (a build's, buildah's): images that only such
	// containers use are pruned too, those containers first (podman's
	// image prune --external).
	External func(containerID string) bool
}

// PruneImages removes dangling images (with All, every unused image) and
// returns the removed IDs. It repeats until nothing more qualifies, since
// removing an image can leave its parent dangling.
func (r *Service) PruneImages(ctx context.Context, opts PruneImagesOptions) ([]string, error) {
	filter, err := r.compileImageFilters(ctx, opts.Filters, pruneFilterKeys)
	if err != nil {
		return nil, err
	}
	var removed []string
	for {
		list, err := r.imageSummaries(ctx)
		if err != nil {
			return removed, err
		}
		n := 0
		for i := range list {
			s := &list[i]
			if !opts.All && !s.Dangling {
				continue
			}
			force := false
			if s.Containers > 0 {
				if force, err = r.onlyExternal(s.ID, opts.External); err != nil {
					return removed, err
				}
				if !force {
					continue
				}
			}
			ok, err := filter(ctx, r, s)
			if err != nil {
				return removed, err
			}
			if !ok {
				continue
			}
			rep := &ImageRemoval{}
			if err := r.removeImage(ctx, s.ID, force, rep); err != nil {
				if errors.Is(err, errdefs.ErrConflict) || errors.Is(err, errdefs.ErrNotFound) {
					continue
				}
				return removed, err
			}
			removed = append(removed, rep.Deleted...)
			n++
		}
		if n == 0 {
			return removed, nil
		}
	}
}

// onlyExternal reports whether every container using image id is external
// (false when external is nil).
func (r *Service) onlyExternal(id string, external func(string) bool) (bool, error) {
	if external == nil {
		return false, nil
	}
	users, err := r.imageContainers(id)
	if err != nil {
		return false, err
	}
	for _, c := range users {
		if !external(c) {
			return false, nil
		}
	}
	return true, nil
}

func errorsIsNotFound(err error) bool { return errors.Is(err, errdefs.ErrNotFound) }
