package images

import (
	"context"
	"fmt"
	"strings"
)

// Image mounts (`image mount`, `image unmount`): the image's top layer
// mounted read-only by containers/storage, which counts the mounts. As
// with container mounts, rootless the mount lives in the mount namespace
// of pod's pause process, which every pod command joins; `pod unshare`
// shows it to other tools.

// MountedImage is one mounted image.
type MountedImage struct {
	ID           string
	Names        []string // as storage records them (repository:tag, digests)
	Repositories []string // the repository:tag names
	MountPoint   string
}

// MountImage mounts the image read-only and returns where. Each call adds
// one to the mount count that UnmountImage takes away.
func (r *Service) MountImage(ctx context.Context, nameOrID string) (string, error) {
	img, err := r.lookupImage(nameOrID)
	if err != nil {
		return "", err
	}
	p, err := r.store.MountImage(img.ID, nil, "")
	if err != nil {
		return "", fmt.Errorf("mount image %s: %w", nameOrID, err)
	}
	return p, nil
}

// UnmountImage takes back one MountImage; with force it unmounts whatever
// the count. An image that is not mounted is left as is.
func (r *Service) UnmountImage(ctx context.Context, nameOrID string, force bool) error {
	img, err := r.lookupImage(nameOrID)
	if err != nil {
		return err
	}
	if l, err := r.store.Layer(img.TopLayer); err == nil && l.MountCount == 0 {
		return nil
	}
	if _, err := r.store.UnmountImage(img.ID, force); err != nil {
		return fmt.Errorf("unmount image %s: %w", nameOrID, err)
	}
	return nil
}

// MountedImages lists the images whose top layer is mounted.
func (r *Service) MountedImages(ctx context.Context) ([]MountedImage, error) {
	imgs, err := r.store.Images()
	if err != nil {
		return nil, err
	}
	var out []MountedImage
	for _, img := range imgs {
		if img.TopLayer == "" {
			continue
		}
		l, err := r.store.Layer(img.TopLayer)
		if err != nil || l.MountCount == 0 || l.MountPoint == "" {
			continue
		}
		m := MountedImage{ID: img.ID, Names: img.Names, MountPoint: l.MountPoint}
		for _, n := range img.Names {
			if !strings.Contains(n, "@") {
				m.Repositories = append(m.Repositories, n)
			}
		}
		out = append(out, m)
	}
	return out, nil
}
