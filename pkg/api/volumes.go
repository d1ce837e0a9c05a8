package api

import (
	"net/http"
	"time"

	"github.com/moby/moby/api/types/volume"

	"github.com/pod-engine/pod/pkg/engine"
)

func dockerVolume(v *engine.VolumeInfo) volume.Volume {
	out := volume.Volume{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, Labels: v.Labels,
		Options: v.Options, Scope: v.Scope, CreatedAt: v.CreatedAt.Format(time.RFC3339),
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if out.Options == nil {
		out.Options = map[string]string{}
	}
	if out.Scope == "" {
		out.Scope = "local"
	}
	return out
}

func (s *Server) volumeList(w http.ResponseWriter, req *http.Request) {
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	vs, err := s.rt.ListVolumes(req.Context(), fs)
	if err != nil {
		writeError(w, err)
		return
	}
	out := volume.ListResponse{Volumes: []volume.Volume{}, Warnings: []string{}}
	for _, v := range vs {
		out.Volumes = append(out.Volumes, dockerVolume(v))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) volumeCreate(w http.ResponseWriter, req *http.Request) {
	var cr volume.CreateRequest
	if err := decodeJSON(req, &cr, false); err != nil {
		writeError(w, err)
		return
	}
	o := engine.VolumeCreateOptions{Name: cr.Name, Driver: cr.Driver, IgnoreExisting: true}
	for _, k := range sortedKeys(cr.Labels) {
		o.Labels = append(o.Labels, k+"="+cr.Labels[k])
	}
	for _, k := range sortedKeys(cr.DriverOpts) {
		o.Options = append(o.Options, k+"="+cr.DriverOpts[k])
	}
	v, err := s.rt.CreateVolume(req.Context(), o)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, dockerVolume(v))
}

func (s *Server) volumeInspect(w http.ResponseWriter, req *http.Request) {
	v, err := s.rt.Volume(req.Context(), req.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, dockerVolume(v))
}

func (s *Server) volumeDelete(w http.ResponseWriter, req *http.Request) {
	_, errs := s.rt.RemoveVolumes(req.Context(), []string{req.PathValue("name")},
		engine.RemoveVolumesOptions{Force: boolValue(req, "force")})
	if len(errs) > 0 {
		writeError(w, errs[0])
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) volumePrune(w http.ResponseWriter, req *http.Request) {
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	// Docker's prune takes anonymous volumes only unless all=true; pod's
	// prune takes every unused volume, so the filter says which.
	var keep []string
	for _, f := range fs {
		if f != "all=true" && f != "all=1" && f != "all=false" && f != "all=0" {
			keep = append(keep, f)
		}
	}
	names, err := s.rt.PruneVolumes(req.Context(), keep)
	if err != nil {
		writeError(w, err)
		return
	}
	out := volume.PruneReport{VolumesDeleted: names}
	if out.VolumesDeleted == nil {
		out.VolumesDeleted = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}
