package images

import (
	"context"
	"fmt"
	"time"

	cstorage "github.com/containers/storage"
)

// ImageUsage is one image's share of the disk.
type ImageUsage struct {
	ID         string
	RepoTags   []string
	Created    time.Time
	Size       int64 // all its layers
	SharedSize int64 // its layers that other images use too
	UniqueSize int64 // its layers no other image uses
	Containers int
}

// Usage is the images' share of the disk, as `system df` shows it.
type Usage struct {
	Images []ImageUsage
	// Size counts every image layer once, however many images share it;
	// Reclaimable is the part no image a container uses needs.
	Size, Reclaimable int64
}

// DiskUsage measures every image's layers, shared and not.
func (r *Service) DiskUsage(ctx context.Context) (*Usage, error) {
	du := &Usage{}
	images, err := r.store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	layers, err := r.store.Layers()
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	byID := make(map[string]*cstorage.Layer, len(layers))
	for i := range layers {
		byID[layers[i].ID] = &layers[i]
	}
	scs, err := r.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	users := map[string]int{}
	for _, c := range scs {
		users[c.ImageID]++
	}
	// Which images use each layer, and which layers an image in use needs.
	chains := make([][]string, len(images))
	layerUsers := map[string]int{}
	needed := map[string]bool{}
	for i, img := range images {
		seen := map[string]bool{}
		for id := img.TopLayer; id != "" && !seen[id]; {
			seen[id] = true
			chains[i] = append(chains[i], id)
			l := byID[id]
			if l == nil {
				break
			}
			id = l.Parent
		}
		for _, id := range img.MappedTopLayers {
			if !seen[id] {
				seen[id] = true
				chains[i] = append(chains[i], id)
			}
		}
		for _, id := range chains[i] {
			layerUsers[id]++
			if users[img.ID] > 0 {
				needed[id] = true
			}
		}
	}
	for id, n := range layerUsers {
		if n == 0 {
			continue
		}
		size := layerSize(byID[id])
		du.Size += size
		if !needed[id] {
			du.Reclaimable += size
		}
	}
	for i, img := range images {
		u := ImageUsage{ID: img.ID, RepoTags: img.Names, Created: img.Created, Containers: users[img.ID]}
		for _, id := range chains[i] {
			size := layerSize(byID[id])
			u.Size += size
			if layerUsers[id] > 1 {
				u.SharedSize += size
			} else {
				u.UniqueSize += size
			}
		}
		du.Images = append(du.Images, u)
	}
	return du, nil
}

func layerSize(l *cstorage.Layer) int64 {
	if l == nil || l.UncompressedSize < 0 {
		return 0
	}
	return l.UncompressedSize
}
