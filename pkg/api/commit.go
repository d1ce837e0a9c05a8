package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/jsonstream"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/storage"
)

// containerCommit serves POST /commit: an image of a container's changes
// (`docker commit`). The optional body is a container configuration whose
// image settings (command, entrypoint, environment, labels, working
// directory, user, stop signal, ports, volumes) override the container's,
// applied before the changes parameters, as Docker merges them.
func (s *Server) containerCommit(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	name := q.Get("container")
	if name == "" {
		writeError(w, errdefs.InvalidArgumentf("commit: container is required"))
		return
	}
	var cfg *container.Config
	if err := decodeJSON(req, &cfg, true); err != nil {
		writeError(w, err)
		return
	}
	ref, err := repoTag(q.Get("repo"), q.Get("tag"))
	if err != nil {
		writeError(w, err)
		return
	}
	changes := configChanges(cfg)
	changes = append(changes, changeLines(q)...)
	o := engine.CommitOptions{
		Reference: ref, Changes: changes, Message: q.Get("comment"), Author: q.Get("author"),
		// Docker pauses unless told not to.
		Pause:  q.Get("pause") == "" || boolParam(q, "pause"),
		Format: storage.FormatDocker,
	}
	id, err := s.rt.Commit(req.Context(), name, o)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, container.CommitResponse{ID: "sha256:" + strings.TrimPrefix(id, "sha256:")})
}

// repoTag joins Docker's repo and tag parameters into one reference; no
// repo is no name.
func repoTag(repo, tag string) (string, error) {
	if repo == "" {
		if tag != "" {
			return "", errdefs.InvalidArgumentf("tag %q given without a repository", tag)
		}
		return "", nil
	}
	if tag == "" {
		return repo, nil
	}
	if strings.HasPrefix(tag, "sha256:") {
		return "", errdefs.InvalidArgumentf("tag %q: a digest cannot name a new image", tag)
	}
	return repo + ":" + tag, nil
}

// changeLines are the changes parameters: each may hold several
// instructions, one per line (docker-py sends them so).
func changeLines(q url.Values) []string {
	var out []string
	for _, c := range q["changes"] {
		for _, l := range strings.Split(c, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// configChanges turns the image settings of a commit's configuration into
// Dockerfile instructions, the form the engine applies.
func configChanges(c *container.Config) []string {
	if c == nil {
		return nil
	}
	var out []string
	jsonList := func(instr string, v []string) {
		data, _ := json.Marshal(v)
		out = append(out, instr+" "+string(data))
	}
	if c.Cmd != nil {
		jsonList("CMD", c.Cmd)
	}
	if c.Entrypoint != nil {
		jsonList("ENTRYPOINT", c.Entrypoint)
	}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, "ENV "+k+"="+strconv.Quote(v))
	}
	for _, k := range sortedStrings(c.Labels) {
		out = append(out, "LABEL "+strconv.Quote(k)+"="+strconv.Quote(c.Labels[k]))
	}
	if c.WorkingDir != "" {
		out = append(out, "WORKDIR "+strconv.Quote(c.WorkingDir))
	}
	if c.User != "" {
		out = append(out, "USER "+strconv.Quote(c.User))
	}
	if c.StopSignal != "" {
		out = append(out, "STOPSIGNAL "+c.StopSignal)
	}
	for p := range c.ExposedPorts {
		out = append(out, "EXPOSE "+p.String())
	}
	if len(c.Volumes) > 0 {
		var vols []string
		for v := range c.Volumes {
			vols = append(vols, v)
		}
		sort.Strings(vols)
		jsonList("VOLUME", vols)
	}
	return out
}

func sortedStrings(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// imageImport serves POST /images/create?fromSrc=: an image of a root
// filesystem tarball (`docker import`), sent as the body (fromSrc=-) or
// fetched from an http(s) URL. A path on the service's host is refused:
// a client must not read the host's files through the service.
func (s *Server) imageImport(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	src := q.Get("fromSrc")
	if src != "-" && !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		writeBodyError(w, req, errdefs.InvalidArgumentf("fromSrc %q: send the tarball as the body (fromSrc=-) or name an http(s) URL", src))
		return
	}
	if p := q.Get("platform"); p != "" && !hostPlatform(p) {
		writeBodyError(w, req, errdefs.NotImplementedf("import platform %q: only the host's platform can be imported", p))
		return
	}
	ref, err := repoTag(q.Get("repo"), q.Get("tag"))
	if err != nil {
		writeBodyError(w, req, err)
		return
	}
	o := storage.ImportOptions{
		Source: src, Stdin: req.Body, Reference: ref, Changes: changeLines(q), Message: q.Get("message"),
	}
	// Bad changes or a bad name are answered before the stream starts.
	if _, err := storage.ParseChanges(o.Changes); err != nil {
		writeBodyError(w, req, err)
		return
	}
	if ref != "" {
		if _, err := storage.NormalizeName(ref); err != nil {
			writeBodyError(w, req, err)
			return
		}
	}
	// The body is read while the stream is written: without full duplex
	// net/http ends an HTTP/1.1 request body at the first response write.
	if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
		writeError(w, fmt.Errorf("import: %w", err))
		return
	}
	ps := newProgressStream(w)
	id, err := s.rt.Images().ImportImage(req.Context(), o)
	if err != nil {
		ps.fail(err)
		return
	}
	ps.send(jsonstream.Message{Status: "sha256:" + strings.TrimPrefix(id, "sha256:")})
}
