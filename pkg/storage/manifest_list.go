package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/containers/image/v5/manifest"
	cstorage "github.com/containers/storage"
	digest "github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/manifests"
)

// A manifest list is stored as podman and buildah store it, so that each
// tool reads the others' lists: an image without layers whose manifest
// big data item is the list itself, and an "instances.json" item mapping
// each entry's digest to the image reference (containers-transports(5))
// its manifest and blobs are read from when the list is pushed.
const listInstancesKey = "instances.json"

// ErrNotManifestList is the cause of looking up, as a manifest list, an
// image that is not one.
var ErrNotManifestList = errors.New("image is not a manifest list")

// ManifestList is a manifest list stored as an image.
type ManifestList struct {
	ID    string
	Names []string
	List  *manifests.List
	// Instances maps an entry's digest to the image reference it is read
	// from at push time.
	Instances map[digest.Digest]string
}

// CreateManifestList stores a new, empty list named name (normalized as
// tag does: "mylist" is localhost/mylist:latest), with annotations on the
// index, and reports true. A name already taken is
// errdefs.ErrAlreadyExists, unless amend and the name is a manifest list,
// which is then returned as it is, with false.
func (s *Store) CreateManifestList(name string, annotations map[string]string, amend bool) (*ManifestList, bool, error) {
	named, err := NormalizeName(name)
	if err != nil {
		return nil, false, err
	}
	if img, err := s.Image(named.String()); err == nil {
		if amend {
			ml, err := s.LookupManifestList(img.ID)
			return ml, false, err
		}
		return nil, false, errdefs.AlreadyExistsf("image name %q is already associated with image %q", named.String(), img.ID)
	}
	list := manifests.New()
	list.AnnotateIndex(annotations)
	ml := &ManifestList{Names: []string{named.String()}, List: list, Instances: map[digest.Digest]string{}}
	b, err := list.Serialize("")
	if err != nil {
		return nil, false, err
	}
	d, err := manifest.Digest(b)
	if err != nil {
		return nil, false, err
	}
	inst, err := json.Marshal(ml.Instances)
	if err != nil {
		return nil, false, err
	}
	img, err := s.CreateImage("", ml.Names, "", "", &cstorage.ImageOptions{BigData: []cstorage.ImageBigDataOption{
		{Key: cstorage.ImageDigestBigDataKey, Data: b, Digest: d},
		{Key: listInstancesKey, Data: inst},
	}})
	if err != nil {
		if errors.Is(err, cstorage.ErrDuplicateName) {
			return nil, false, errdefs.AlreadyExistsf("image name %q is already in use", named.String())
		}
		return nil, false, fmt.Errorf("create manifest list %s: %w", named, err)
	}
	ml.ID = img.ID
	return ml, true, nil
}

// LookupManifestList finds the list name (a name or ID as LookupImage
// takes them). No such image is errdefs.ErrNotFound; an image that is not
// a list is errdefs.ErrInvalidArg wrapping ErrNotManifestList.
func (s *Store) LookupManifestList(name string) (*ManifestList, error) {
	img, err := s.LookupImage(name)
	if err != nil {
		return nil, err
	}
	b, err := s.ImageBigData(img.ID, cstorage.ImageDigestBigDataKey)
	if err != nil || !manifests.IsList(b) {
		return nil, errdefs.InvalidArgument(fmt.Errorf("%s: %w", name, ErrNotManifestList))
	}
	list, err := manifests.FromBlob(b)
	if err != nil {
		return nil, fmt.Errorf("manifest list %s: %w", name, err)
	}
	ml := &ManifestList{ID: img.ID, Names: img.Names, List: list, Instances: map[digest.Digest]string{}}
	// A list made by another tool may lack the map; its entries then
	// cannot be pushed with their images, only listed.
	if inst, err := s.ImageBigData(img.ID, listInstancesKey); err == nil {
		if err := json.Unmarshal(inst, &ml.Instances); err != nil {
			return nil, fmt.Errorf("manifest list %s: read %s: %w", name, listInstancesKey, err)
		}
	}
	delete(ml.Instances, "") // podman records the list's own ID there
	return ml, nil
}

// saveManifestList writes the list and its instance map back to its image.
func (s *Store) saveManifestList(ml *ManifestList) error {
	b, err := ml.List.Serialize("")
	if err != nil {
		return err
	}
	inst, err := json.Marshal(ml.Instances)
	if err != nil {
		return err
	}
	if err := s.SetImageBigData(ml.ID, cstorage.ImageDigestBigDataKey, b, manifest.Digest); err != nil {
		return fmt.Errorf("save manifest list %s: %w", ml.ID, err)
	}
	if err := s.SetImageBigData(ml.ID, listInstancesKey, inst, nil); err != nil {
		return fmt.Errorf("save manifest list %s: %w", ml.ID, err)
	}
	return nil
}

// EditManifestList looks up the list name, calls edit on it and saves
// what edit left, all under the list's lock, so that two commands adding
// to one list at once both count. edit's error is returned as it is and
// nothing is saved.
func (s *Store) EditManifestList(ctx context.Context, name string, edit func(ml *ManifestList) error) (*ManifestList, error) {
	ml, err := s.LookupManifestList(name)
	if err != nil {
		return nil, err
	}
	dir, err := s.ImageDirectory(ml.ID)
	if err != nil {
		return nil, fmt.Errorf("manifest list %s: %w", name, err)
	}
	l, err := lock.Acquire(ctx, filepath.Join(dir, "manifest-list.lock"))
	if err != nil {
		return nil, fmt.Errorf("lock manifest list %s: %w", name, err)
	}
	defer func() { _ = l.Release() }()
	// Read again under the lock: another command may have saved since.
	if ml, err = s.LookupManifestList(ml.ID); err != nil {
		return nil, err
	}
	if err := edit(ml); err != nil {
		return nil, err
	}
	return ml, s.saveManifestList(ml)
}
