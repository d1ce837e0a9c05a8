package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/manifest"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
)

// listReference is a stored manifest list as a source to copy from: its
// own manifest comes from the list's image, each entry's manifest, blobs
// and signatures from the image the entry was added from. It is what
// podman calls a supplemented reference. The embedded reference (the
// list's image in storage) gives the name, transport and policy identity.
type listReference struct {
	types.ImageReference
	store     *Store
	manifest  []byte
	instances map[digest.Digest]string
}

func (s *Store) listReference(ml *ManifestList) (*listReference, error) {
	base, err := istorage.Transport.NewStoreReference(s.Store, nil, ml.ID)
	if err != nil {
		return nil, fmt.Errorf("manifest list %s: %w", ml.ID, err)
	}
	b, err := ml.List.Serialize("")
	if err != nil {
		return nil, err
	}
	return &listReference{ImageReference: base, store: s, manifest: b, instances: ml.Instances}, nil
}

func (r *listReference) NewImageSource(ctx context.Context, sys *types.SystemContext) (types.ImageSource, error) {
	return &listSource{ref: r, sys: sys, opened: map[digest.Digest]*instanceSource{}, owners: map[digest.Digest]types.ImageSource{}}, nil
}

func (r *listReference) NewImage(ctx context.Context, sys *types.SystemContext) (types.ImageCloser, error) {
	src, err := r.NewImageSource(ctx, sys)
	if err != nil {
		return nil, err
	}
	return image.FromSource(ctx, sys, src)
}

func (r *listReference) NewImageDestination(context.Context, *types.SystemContext) (types.ImageDestination, error) {
	return nil, errors.New("a manifest list with its images is read-only")
}

func (r *listReference) DeleteImage(context.Context, *types.SystemContext) error {
	return errors.New("a manifest list with its images is read-only")
}

// instanceSource is an entry's image opened for reading; instance is the
// digest to ask it for (nil when its own manifest is the entry's).
type instanceSource struct {
	src      types.ImageSource
	instance *digest.Digest
}

// listSource is a listReference being read.
type listSource struct {
	ref *listReference
	sys *types.SystemContext

	mu     sync.Mutex
	opened map[digest.Digest]*instanceSource
	// owners maps a blob digest to the source that named it in a
	// manifest or layer list, where GetBlob reads it.
	owners map[digest.Digest]types.ImageSource
}

func (s *listSource) Reference() types.ImageReference { return s.ref }

func (s *listSource) Close() error {
	var errs []error
	for _, o := range s.opened {
		errs = append(errs, o.src.Close())
	}
	return errors.Join(errs...)
}

// instance opens the image entry d was added from.
func (s *listSource) instance(ctx context.Context, d digest.Digest) (*instanceSource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.opened[d]; ok {
		return o, nil
	}
	name, ok := s.ref.instances[d]
	if !ok {
		return nil, fmt.Errorf("manifest list entry %s: no record of the image it was added from", d)
	}
	ref, isStore, err := s.ref.store.storeReference(name)
	if !isStore {
		ref, err = parseTransportName(name)
	}
	if err != nil {
		return nil, fmt.Errorf("manifest list entry %s: %w", d, err)
	}
	src, err := ref.NewImageSource(ctx, s.sys)
	if err != nil {
		return nil, fmt.Errorf("manifest list entry %s: open %s: %w", d, name, err)
	}
	o := &instanceSource{src: src}
	// An image added on its own has the entry's manifest as its own; an
	// entry taken from another list is that list's instance d.
	if b, _, err := src.GetManifest(ctx, nil); err != nil || !manifestIs(b, d) {
		o.instance = &d
	}
	s.opened[d] = o
	return o, nil
}

func manifestIs(b []byte, d digest.Digest) bool {
	ok, err := manifest.MatchesDigest(b, d)
	return err == nil && ok
}

func (s *listSource) GetManifest(ctx context.Context, instance *digest.Digest) ([]byte, string, error) {
	if instance == nil {
		return s.ref.manifest, manifest.GuessMIMEType(s.ref.manifest), nil
	}
	o, err := s.instance(ctx, *instance)
	if err != nil {
		return nil, "", err
	}
	b, mt, err := o.src.GetManifest(ctx, o.instance)
	if err != nil {
		return nil, "", err
	}
	if m, err := manifest.FromBlob(b, mt); err == nil {
		s.own(o.src, m.ConfigInfo().Digest)
		for _, l := range m.LayerInfos() {
			s.own(o.src, l.Digest)
		}
	}
	return b, mt, nil
}

func (s *listSource) own(src types.ImageSource, d digest.Digest) {
	if d == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owners[d] = src
}

func (s *listSource) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	s.mu.Lock()
	src, ok := s.owners[info.Digest]
	s.mu.Unlock()
	if ok {
		return src.GetBlob(ctx, info, cache)
	}
	return nil, 0, fmt.Errorf("blob %s is in no image of the manifest list", info.Digest)
}

// HasThreadSafeGetBlob is false: the entries' sources differ, and copying
// one blob at a time is fine for what a list holds.
func (s *listSource) HasThreadSafeGetBlob() bool { return false }

func (s *listSource) GetSignatures(ctx context.Context, instance *digest.Digest) ([][]byte, error) {
	if instance == nil {
		return nil, nil
	}
	o, err := s.instance(ctx, *instance)
	if err != nil {
		return nil, err
	}
	return o.src.GetSignatures(ctx, o.instance)
}

func (s *listSource) LayerInfosForCopy(ctx context.Context, instance *digest.Digest) ([]types.BlobInfo, error) {
	if instance == nil {
		return nil, nil
	}
	o, err := s.instance(ctx, *instance)
	if err != nil {
		return nil, err
	}
	infos, err := o.src.LayerInfosForCopy(ctx, o.instance)
	if err != nil {
		return nil, err
	}
	for _, l := range infos {
		s.own(o.src, l.Digest)
	}
	return infos, nil
}
