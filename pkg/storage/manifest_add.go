package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/manifest"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/transports"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/manifests"
)

// AddToListOptions say what AddToManifestList adds and records.
type AddToListOptions struct {
	RegistryOptions
	// All adds every entry of an image that is itself a list; else only
	// the one for Platform (this machine's where Platform leaves it).
	All bool
	// Platform overrides what the entry records (empty fields: what the
	// image's configuration or its list says) and picks the entry of a
	// list.
	Platform manifests.Platform
	// Annotations are set on the entry.
	Annotations map[string]string
}

// AddToManifestList adds the image src to the list named list and returns
// the digest of the entry added (the first, with All). src is a reference
// with a transport ("docker://...", "containers-storage:...",
// "oci-archive:..."), else a local image, else an image in a registry.
// The image is not copied: its reference is recorded and read again when
// the list is pushed.
func (s *Store) AddToManifestList(ctx context.Context, list, src string, o AddToListOptions) (digest.Digest, error) {
	sys, err := s.registryContext(o.RegistryOptions)
	if err != nil {
		return "", err
	}
	ref, err := s.sourceReference(sys, src)
	if err != nil {
		return "", err
	}
	if named := ref.DockerReference(); named != nil && ref.Transport().Name() == docker.Transport.Name() {
		sys = withReadableAuth(sys, named)
	}
	choice := *sys
	applyChoice(&choice, o.Platform.OS, o.Platform.Architecture, o.Platform.Variant)
	entries, err := readEntries(ctx, &choice, ref, o.All)
	if err != nil {
		return "", err
	}
	_, err = s.EditManifestList(ctx, list, func(ml *ManifestList) error {
		for _, e := range entries {
			ml.List.Add(e)
			if err := ml.List.Annotate(e.Digest, manifests.Annotation{Platform: o.Platform, Annotations: o.Annotations}); err != nil {
				return err
			}
			ml.Instances[e.Digest] = transports.ImageName(ref)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return entries[0].Digest, nil
}

// sourceReference turns what the user named into an image reference: one
// with a transport as given, else a local image, else a registry's.
func (s *Store) sourceReference(sys *types.SystemContext, name string) (types.ImageReference, error) {
	if ref, ok, err := s.storeReference(name); ok {
		return ref, err
	}
	if ref, err := parseTransportName(name); err == nil {
		return ref, nil
	}
	if img, err := s.LookupImage(name); err == nil {
		return istorage.Transport.NewStoreReference(s.Store, nil, img.ID)
	}
	resolved, err := resolve(sys, name)
	if err != nil {
		return nil, err
	}
	if len(resolved.PullCandidates) == 0 {
		return nil, errdefs.NotFoundf("%s: image not known", name)
	}
	ref, err := docker.NewReference(resolved.PullCandidates[0].Value)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("%s: %w", name, err)
	}
	return ref, nil
}

// ManifestDescriptor describes the manifest of the image name (named as
// AddToManifestList takes it): its media type, digest and size.
func (s *Store) ManifestDescriptor(ctx context.Context, name string, o RegistryOptions) (v1.Descriptor, error) {
	sys, err := s.registryContext(o)
	if err != nil {
		return v1.Descriptor{}, err
	}
	ref, err := s.sourceReference(sys, name)
	if err != nil {
		return v1.Descriptor{}, err
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return v1.Descriptor{}, categorizeRegistryError(fmt.Errorf("read %s: %w", name, err))
	}
	defer src.Close()
	b, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return v1.Descriptor{}, categorizeRegistryError(fmt.Errorf("read manifest of %s: %w", name, err))
	}
	d, err := manifest.Digest(b)
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(b))}, nil
}

// storeReference reads a "containers-storage:" reference within this
// store, whatever store it names: containers/image would otherwise open
// the store its text names (the default one without "[...]"), not the
// one this command runs on. ok says whether name is such a reference.
func (s *Store) storeReference(name string) (ref types.ImageReference, ok bool, err error) {
	rest, ok := strings.CutPrefix(name, istorage.Transport.Name()+":")
	if !ok {
		return nil, false, nil
	}
	r, err := istorage.Transport.ParseStoreReference(s.Store, rest)
	if err != nil {
		return nil, true, errdefs.InvalidArgumentf("%s: %w", name, err)
	}
	return r, true, nil
}

// readEntries reads the list entries that adding ref makes: the image
// itself, or the chosen (all, with all) entries of a list, with the
// platform their list or configuration records.
func readEntries(ctx context.Context, sys *types.SystemContext, ref types.ImageReference, all bool) ([]manifests.Instance, error) {
	name := transports.ImageName(ref)
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return nil, categorizeRegistryError(fmt.Errorf("read %s: %w", name, err))
	}
	defer src.Close()
	b, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, categorizeRegistryError(fmt.Errorf("read manifest of %s: %w", name, err))
	}
	var entries []manifests.Instance
	if manifest.MIMETypeIsMultiImage(mt) {
		list, err := manifests.FromBlob(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		digests := list.Instances()
		if !all {
			l, err := manifest.ListFromBlob(b, mt)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			d, err := l.ChooseInstance(sys)
			if err != nil {
				return nil, errdefs.NotFound(fmt.Errorf("choose from manifest list %s: %w", name, err))
			}
			digests = []digest.Digest{d}
		}
		for _, d := range digests {
			e, err := list.Instance(d)
			if err != nil {
				return nil, err
			}
			entries = append(entries, e)
		}
	} else {
		d, err := manifest.Digest(b)
		if err != nil {
			return nil, fmt.Errorf("digest of %s: %w", name, err)
		}
		entries = []manifests.Instance{{Digest: d, Size: int64(len(b)), MediaType: mt}}
	}
	for i := range entries {
		e := &entries[i]
		if e.Platform.OS != "" && e.Platform.Architecture != "" {
			continue
		}
		var inst *digest.Digest
		if manifest.MIMETypeIsMultiImage(mt) {
			inst = &e.Digest
		}
		img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(src, inst))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		cfg, err := img.OCIConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("read configuration of %s: %w", name, err)
		}
		if e.Platform.OS == "" {
			e.Platform.OS, e.Platform.OSVersion, e.Platform.OSFeatures = cfg.OS, cfg.OSVersion, cfg.OSFeatures
		}
		if e.Platform.Architecture == "" {
			e.Platform.Architecture, e.Platform.Variant = cfg.Architecture, cfg.Variant
		}
	}
	return entries, nil
}
