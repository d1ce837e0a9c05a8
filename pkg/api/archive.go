package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path"

	"github.com/moby/moby/api/types/container"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// archivePath reads the `path` parameter. Paths are resolved inside the
// container's root by the engine (a ".." cannot leave it); an empty one
// is a bad request.
func archivePath(req *http.Request) (string, error) {
	p := req.URL.Query().Get("path")
	if p == "" {
		return "", errdefs.InvalidArgumentf("archive: a path is required")
	}
	return p, nil
}

// pathStat sets X-Docker-Container-Path-Stat, the base64 JSON stat
// `docker cp` reads.
func (s *Server) pathStat(w http.ResponseWriter, req *http.Request) bool {
	p, err := archivePath(req)
	if err != nil {
		writeError(w, err)
		return false
	}
	fi, err := s.rt.StatContainerPath(req.Context(), req.PathValue("id"), p)
	if err != nil {
		writeError(w, err)
		return false
	}
	st := container.PathStat{Name: path.Base(path.Clean("/" + p)), Size: fi.Size(), Mode: fi.Mode(), Mtime: fi.ModTime()}
	data, _ := json.Marshal(st)
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(data))
	return true
}

func (s *Server) archiveHead(w http.ResponseWriter, req *http.Request) {
	if s.pathStat(w, req) {
		w.WriteHeader(http.StatusOK)
	}
}

func (s *Server) archiveGet(w http.ResponseWriter, req *http.Request) {
	if !s.pathStat(w, req) {
		return
	}
	p, _ := archivePath(req)
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	if err := s.rt.CopyFromContainer(req.Context(), req.PathValue("id"), p, "-", w, engine.CopyOptions{}); err != nil {
		panic(http.ErrAbortHandler) // the client sees a truncated archive
	}
}

func (s *Server) archivePut(w http.ResponseWriter, req *http.Request) {
	p, err := archivePath(req)
	if err != nil {
		writeError(w, err)
		return
	}
	o := engine.CopyOptions{Archive: boolValue(req, "copyUIDGID")}
	if err := s.rt.CopyToContainer(req.Context(), "-", req.Body, req.PathValue("id"), p, o); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
