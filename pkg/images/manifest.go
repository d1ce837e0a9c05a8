package images

import (
	"context"
	"errors"
	"fmt"

	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/manifests"
	"github.com/pod-engine/pod/pkg/storage"
)

// RegistryOptions are how a command reaches registries.
type RegistryOptions = storage.RegistryOptions

// ManifestCreateOptions say what CreateManifestList makes.
type ManifestCreateOptions struct {
	RegistryOptions
	// Amend reuses an existing list of that name instead of failing.
	Amend bool
	// All adds every entry of images that are lists themselves.
	All bool
	// Annotations are set on the index itself.
	Annotations map[string]string
}

// CreateManifestList stores a new manifest list named name holding images
// (each as AddToManifestList adds it) and returns its ID. A name in use
// is errdefs.ErrAlreadyExists unless Amend and it is a manifest list.
// When adding an image fails, a list this call created is removed again.
func (r *Service) CreateManifestList(ctx context.Context, name string, imgs []string, o ManifestCreateOptions) (string, error) {
	ml, created, err := r.store.CreateManifestList(name, o.Annotations, o.Amend)
	if err != nil {
		return "", err
	}
	if !created && len(o.Annotations) > 0 {
		if _, err := r.store.EditManifestList(ctx, ml.ID, func(l *storage.ManifestList) error {
			l.List.AnnotateIndex(o.Annotations)
			return nil
		}); err != nil {
			return "", err
		}
	}
	for _, img := range imgs {
		if _, err := r.store.AddToManifestList(ctx, ml.ID, img, storage.AddToListOptions{RegistryOptions: o.RegistryOptions, All: o.All}); err != nil {
			if created {
				if _, derr := r.store.DeleteImage(ml.ID, true); derr != nil {
					err = errors.Join(err, fmt.Errorf("remove manifest list %s again: %w", name, derr))
				}
			}
			return "", err
		}
	}
	if created {
		r.imageEvent(ctx, "create", ml.ID, firstName(ml.Names))
	}
	return ml.ID, nil
}

// ManifestAddOptions say what AddToManifestList adds.
type ManifestAddOptions = storage.AddToListOptions

// AddToManifestList adds image to the list and returns the list's ID and
// the digest of the entry added. See storage.Store.AddToManifestList.
func (r *Service) AddToManifestList(ctx context.Context, list, image string, o ManifestAddOptions) (string, digest.Digest, error) {
	ml, err := r.store.LookupManifestList(list)
	if err != nil {
		return "", "", err
	}
	d, err := r.store.AddToManifestList(ctx, ml.ID, image, o)
	return ml.ID, d, err
}

// ManifestAnnotateOptions say what AnnotateManifestList changes.
type ManifestAnnotateOptions struct {
	// Platform fields that are set replace the entry's.
	Platform manifests.Platform
	// Annotations are merged into the entry's, or the index's with Index.
	Annotations map[string]string
	// Index annotates the index itself, not an entry.
	Index bool
	// Subject, with Index, names an image the index is about (OCI's
	// subject field), as AddToManifestList takes image names.
	Subject string
	RegistryOptions
}

// AnnotateManifestList changes the entry of list whose digest is instance
// (or the image instance names was added as: the digest of its manifest),
// and returns the list's ID. An entry not in the list is
// errdefs.ErrNotFound.
func (r *Service) AnnotateManifestList(ctx context.Context, list, instance string, o ManifestAnnotateOptions) (string, error) {
	var subject *v1.Descriptor
	if o.Subject != "" {
		o.Index = true
		d, err := r.store.ManifestDescriptor(ctx, o.Subject, o.RegistryOptions)
		if err != nil {
			return "", err
		}
		subject = &d
	}
	var d digest.Digest
	if !o.Index {
		var err error
		if d, err = r.instanceDigest(ctx, instance); err != nil {
			return "", err
		}
	}
	ml, err := r.store.EditManifestList(ctx, list, func(ml *storage.ManifestList) error {
		if o.Index {
			ml.List.AnnotateIndex(o.Annotations)
			if subject != nil {
				ml.List.SetSubject(*subject)
			}
			return nil
		}
		return ml.List.Annotate(d, manifests.Annotation{Platform: o.Platform, Annotations: o.Annotations})
	})
	if err != nil {
		return "", err
	}
	return ml.ID, nil
}

// instanceDigest is the digest s names: a digest itself, else the digest
// of the manifest of the local image s.
func (r *Service) instanceDigest(ctx context.Context, s string) (digest.Digest, error) {
	if d, err := digest.Parse(s); err == nil {
		return d, nil
	}
	img, err := r.store.LookupImage(s)
	if err != nil {
		return "", errdefs.InvalidArgumentf("%s: neither a digest nor a local image", s)
	}
	return img.Digest, nil
}

// RemoveFromManifestList drops the entry with digest instance from list
// and returns the list's ID.
func (r *Service) RemoveFromManifestList(ctx context.Context, list, instance string) (string, error) {
	d, err := digest.Parse(instance)
	if err != nil {
		return "", errdefs.InvalidArgumentf("invalid image digest %q: %v", instance, err)
	}
	ml, err := r.store.EditManifestList(ctx, list, func(ml *storage.ManifestList) error {
		if err := ml.List.Remove(d); err != nil {
			return err
		}
		delete(ml.Instances, d)
		return nil
	})
	if err != nil {
		return "", err
	}
	return ml.ID, nil
}

// InspectManifestList returns the local list name as `manifest inspect`
// shows it; when name is no local list (no such image, or an image that
// is not a list), the manifest of name in a registry instead.
func (r *Service) InspectManifestList(ctx context.Context, name string, o RegistryOptions) (any, error) {
	ml, err := r.store.LookupManifestList(name)
	if err == nil {
		return ml.List.Inspect(), nil
	}
	if !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, storage.ErrNotManifestList) {
		return nil, err
	}
	return r.store.RemoteManifest(ctx, name, o)
}

// ManifestListExists reports whether name is a local manifest list.
func (r *Service) ManifestListExists(ctx context.Context, name string) (bool, error) {
	_, err := r.store.LookupManifestList(name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errdefs.ErrNotFound), errors.Is(err, storage.ErrNotManifestList):
		return false, nil
	}
	return false, err
}

// RemoveManifestLists removes the local manifest lists names (not the
// images in them). A name that is an image but no list is refused.
func (r *Service) RemoveManifestLists(ctx context.Context, names []string, ignore bool) (*ImageRemoval, []error) {
	rep := &ImageRemoval{}
	var errs []error
	for _, n := range names {
		ml, err := r.store.LookupManifestList(n)
		if err != nil {
			if !(ignore && errors.Is(err, errdefs.ErrNotFound)) {
				errs = append(errs, err)
			}
			continue
		}
		if err := r.removeImage(ctx, ml.ID, false, rep); err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errs
}

// ManifestPushOptions say how PushManifestList pushes.
type ManifestPushOptions struct {
	storage.PushListOptions
	Quiet bool
	// Remove deletes the local list after a successful push.
	Remove bool
}

// PushManifestList pushes the list name (with its images when All) to
// dest and returns the digest of the list written.
func (r *Service) PushManifestList(ctx context.Context, name, dest string, o ManifestPushOptions) (digest.Digest, error) {
	if o.Quiet {
		o.Progress = nil
	}
	ml, err := r.store.LookupManifestList(name)
	if err != nil {
		return "", err
	}
	d, err := r.store.PushManifestList(ctx, name, dest, o.PushListOptions)
	if err != nil {
		return "", err
	}
	r.imageEvent(ctx, "push", ml.ID, dest)
	if o.Remove {
		if err := r.removeImage(ctx, ml.ID, false, &ImageRemoval{}); err != nil {
			return d, fmt.Errorf("remove manifest list %s after the push: %w", name, err)
		}
	}
	return d, nil
}
