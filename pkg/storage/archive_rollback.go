package storage

import (
	"errors"

	cstorage "github.com/containers/storage"
	"slices"

	digest "github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"
)

// rollback records what a load or import adds to the store so that a
// failure part way through can take it out again: the images it created,
// the names it added to images that were already there, and the layers
// its copies committed before they failed (containers/image commits each
// layer as soon as it is unpacked, before the image exists).
type rollback struct {
	s            *Store
	layersBefore map[string]bool
	diffIDs      map[digest.Digest]bool
	created      []string
	addedNames   map[string][]string
}

func (s *Store) newRollback() (*rollback, error) {
	layers, err := s.Layers()
	if err != nil {
		return nil, err
	}
	r := &rollback{s: s, layersBefore: map[string]bool{}, diffIDs: map[digest.Digest]bool{}, addedNames: map[string][]string{}}
	for _, l := range layers {
		r.layersBefore[l.ID] = true
	}
	return r, nil
}

// expectLayers names the uncompressed digests of the layers the operation
// may create. Only new layers with these digests are ever removed, so a
// concurrent pull's fresh layers are left alone.
func (r *rollback) expectLayers(diffIDs []digest.Digest) {
	for _, d := range diffIDs {
		r.diffIDs[d] = true
	}
}

// beforeImage must be called before an image with this ID is written. It
// returns the names the image already has (nil if it did not exist).
func (r *rollback) beforeImage(id string) (existed bool, names []string) {
	img, err := r.s.Image(id)
	if err != nil {
		return false, nil
	}
	return true, img.Names
}

// wrote records that the operation wrote image id with names.
func (r *rollback) wrote(id string, existed bool, oldNames, names []string) {
	if !existed {
		if !slices.Contains(r.created, id) {
			r.created = append(r.created, id)
		}
		return
	}
	for _, n := range names {
		if !slices.Contains(oldNames, n) {
			r.addedNames[id] = append(r.addedNames[id], n)
		}
	}
}

// undo removes what the operation created. It is best effort: what it
// cannot remove is logged, and the operation's own error is what the
// caller reports.
func (r *rollback) undo() {
	for _, id := range r.created {
		_, err := r.s.DeleteImage(id, true)
		if errors.Is(err, cstorage.ErrImageUnknown) || errors.Is(err, cstorage.ErrNotAnImage) {
			continue // the copy failed before the image was made
		}
		if err != nil {
			logrus.Warnf("remove half-loaded image %s: %v", id, err)
		}
	}
	for id, names := range r.addedNames {
		if err := r.s.RemoveNames(id, names); err != nil {
			logrus.Warnf("remove names %v from image %s: %v", names, id, err)
		}
	}
	// Layers form chains: delete children before parents, until no more go.
	for {
		layers, err := r.s.Layers()
		if err != nil {
			logrus.Warnf("list layers: %v", err)
			return
		}
		removed := false
		for _, l := range layers {
			if r.layersBefore[l.ID] || !r.diffIDs[l.UncompressedDigest] {
				continue
			}
			if err := r.s.DeleteLayer(l.ID); err == nil {
				removed = true
			}
		}
		if !removed {
			return
		}
	}
}
