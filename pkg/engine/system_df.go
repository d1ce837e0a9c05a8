package engine

import (
	"context"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/state"
)

// DiskUsage is what `system df` shows: the space images, containers and
// volumes take, and how much of it removing unused ones would free.
type DiskUsage struct {
	Images     []images.ImageUsage
	Containers []ContainerUsage
	Volumes    []VolumeUsage
	// ImagesSize counts every image layer once, however many images share
	// it; ImagesReclaimable is the part no image a container uses needs.
	ImagesSize, ImagesReclaimable int64
	// Totals sums each kind up, as `system df` and the API's /system/df
	// show them: images, containers, volumes, in that order.
	Totals []UsageTotal
}

// UsageTotal is one kind's line of `system df`: how many objects there
// are, how many are in use, their size and how much of it removing the
// unused ones would free (Reclaimable ≤ Size).
type UsageTotal struct {
	Kind        string // "Images", "Containers" or "Local Volumes"
	Total       int
	Active      int
	Size        int64
	Reclaimable int64
}

// ContainerUsage is one container's writable layer.
type ContainerUsage struct {
	ID, Name, Image, Command string
	Created                  time.Time
	Status                   string
	Running                  bool
	Size                     int64 // the writable layer
	LocalVolumes             int
}

// VolumeUsage is one volume's data.
type VolumeUsage struct {
	Name  string
	Links int // containers that use it
	Size  int64
}

// DiskUsage measures storage. Container and volume sizes need a walk of
// their files, so it takes as long as there is data.
func (r *Runtime) DiskUsage(ctx context.Context) (*DiskUsage, error) {
	st, err := r.storage()
	if err != nil {
		return nil, err
	}
	iu, err := r.images.DiskUsage(ctx)
	if err != nil {
		return nil, err
	}
	du := &DiskUsage{Images: iu.Images, ImagesSize: iu.Size, ImagesReclaimable: iu.Reclaimable}

	cs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		size, err := st.ContainerSize(c.ID)
		if err != nil || size < 0 {
			size = 0
		}
		n := 0
		for _, m := range c.Config.Mounts {
			if m.Type == mountVolume {
				n++
			}
		}
		du.Containers = append(du.Containers, ContainerUsage{
			ID: c.ID, Name: c.Name, Image: c.ImageName, Command: c.Command, Created: c.CreatedAt,
			Status: string(c.Status), Running: c.Status == state.StatusRunning || c.Status == state.StatusPaused,
			Size: size, LocalVolumes: n,
		})
	}

	vols, err := r.ListVolumes(ctx, nil)
	if err != nil {
		return nil, err
	}
	for _, v := range vols {
		du.Volumes = append(du.Volumes, VolumeUsage{Name: v.Name, Links: len(v.Containers), Size: dirSize(ctx, v.Mountpoint)})
	}
	du.Totals = du.totals()
	return du, nil
}

// totals sums du up per kind. An image is active when a container uses
// it; a container when it is running or paused (a stopped one's layer is
// reclaimable); a volume when a container uses it.
func (du *DiskUsage) totals() []UsageTotal {
	img := UsageTotal{Kind: "Images", Total: len(du.Images), Size: du.ImagesSize, Reclaimable: du.ImagesReclaimable}
	for _, i := range du.Images {
		if i.Containers > 0 {
			img.Active++
		}
	}
	ctr := UsageTotal{Kind: "Containers", Total: len(du.Containers)}
	for _, c := range du.Containers {
		ctr.Size += c.Size
		if c.Running {
			ctr.Active++
		} else {
			ctr.Reclaimable += c.Size
		}
	}
	vol := UsageTotal{Kind: "Local Volumes", Total: len(du.Volumes)}
	for _, v := range du.Volumes {
		vol.Size += v.Size
		if v.Links > 0 {
			vol.Active++
		} else {
			vol.Reclaimable += v.Size
		}
	}
	return []UsageTotal{img, ctr, vol}
}

// dirSize adds up the sizes of the regular files under dir; what cannot be
// read counts as nothing, as sizes here are informational.
func dirSize(ctx context.Context, dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}
