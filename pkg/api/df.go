package api

import (
	"net/http"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/api/types/volume"
)

// diskUsage is /system/df for every client: API 1.52 and later read the
// per-kind usage objects of system.DiskUsage, older clients (the docker
// CLI 28) the flat lists beside them. Both are moby's types.
type diskUsage struct {
	system.DiskUsage
	LayersSize int64
	Images     []image.Summary
	Containers []container.Summary
	Volumes    []volume.Volume
	BuildCache []build.CacheRecord
}

func (s *Server) systemDF(w http.ResponseWriter, req *http.Request) {
	du, err := s.rt.DiskUsage(req.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	out := diskUsage{
		LayersSize: du.ImagesSize, Images: []image.Summary{}, Containers: []container.Summary{},
		Volumes: []volume.Volume{}, BuildCache: []build.CacheRecord{},
	}
	var activeImages, activeCtrs, activeVols int64
	for _, im := range du.Images {
		sm := image.Summary{
			ID: "sha256:" + im.ID, RepoTags: im.RepoTags, RepoDigests: []string{}, Created: im.Created.Unix(),
			Size: im.Size, SharedSize: im.SharedSize, Containers: int64(im.Containers), Labels: map[string]string{},
		}
		if sm.RepoTags == nil {
			sm.RepoTags = []string{}
		}
		if im.Containers > 0 {
			activeImages++
		}
		out.Images = append(out.Images, sm)
	}
	var ctrSize, ctrReclaim int64
	for _, c := range du.Containers {
		state := container.StateExited
		if c.Running {
			state = container.StateRunning
			activeCtrs++
		} else {
			ctrReclaim += c.Size
		}
		ctrSize += c.Size
		out.Containers = append(out.Containers, container.Summary{
			ID: c.ID, Names: []string{"/" + c.Name}, Image: c.Image, Command: c.Command,
			Created: c.Created.Unix(), State: state, Status: c.Status, SizeRw: c.Size,
			Labels: map[string]string{}, Ports: []container.PortSummary{}, Mounts: []container.MountPoint{},
		})
	}
	var volSize, volReclaim int64
	for _, v := range du.Volumes {
		if v.Links > 0 {
			activeVols++
		} else {
			volReclaim += v.Size
		}
		volSize += v.Size
		out.Volumes = append(out.Volumes, volume.Volume{
			Name: v.Name, Driver: "local", Scope: "local", Labels: map[string]string{}, Options: map[string]string{},
			UsageData: &volume.UsageData{RefCount: int64(v.Links), Size: v.Size},
		})
	}
	out.ImageUsage = &image.DiskUsage{
		ActiveCount: activeImages, TotalCount: int64(len(du.Images)), TotalSize: du.ImagesSize,
		Reclaimable: du.ImagesReclaimable, Items: out.Images,
	}
	out.ContainerUsage = &container.DiskUsage{
		ActiveCount: activeCtrs, TotalCount: int64(len(du.Containers)), TotalSize: ctrSize,
		Reclaimable: ctrReclaim, Items: out.Containers,
	}
	out.VolumeUsage = &volume.DiskUsage{
		ActiveCount: activeVols, TotalCount: int64(len(du.Volumes)), TotalSize: volSize,
		Reclaimable: volReclaim, Items: out.Volumes,
	}
	out.BuildCacheUsage = &build.DiskUsage{}
	writeJSON(w, http.StatusOK, out)
}
