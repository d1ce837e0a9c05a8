package api

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/types"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/registry"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/storage"
)

func notFoundPath(req *http.Request) error {
	return errdefs.NotFoundf("page not found: %s %s", req.Method, req.URL.Path)
}

// progressStream writes Docker's JSON progress messages, one per line,
// flushed as they come.
type progressStream struct {
	mu  sync.Mutex
	w   http.ResponseWriter
	enc *json.Encoder
}

func newProgressStream(w http.ResponseWriter) *progressStream {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flush(w)
	return &progressStream{w: w, enc: json.NewEncoder(w)}
}

// streamMessage is a message as Docker writes it: errors also in the
// deprecated "error" field, which docker-py and compose 1.29 read.
type streamMessage struct {
	jsonstream.Message
	ErrorMessage string `json:"error,omitempty"`
}

func (p *progressStream) send(m jsonstream.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sm := streamMessage{Message: m}
	if m.Error != nil {
		sm.ErrorMessage = m.Error.Message
	}
	p.enc.Encode(sm)
	flush(p.w)
}

func (p *progressStream) status(format string, args ...any) {
	p.send(jsonstream.Message{Status: fmt.Sprintf(format, args...)})
}

func (p *progressStream) fail(err error) {
	p.send(jsonstream.Message{Error: &jsonstream.Error{Message: err.Error()}})
}

// lines returns a writer that sends each line written to it (the
// engine's progress) as a status message.
func (p *progressStream) lines() (io.Writer, func()) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				p.status("%s", l)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	return pw, func() { pw.Close(); <-done }
}

// registryAuth reads X-Registry-Auth (base64url JSON of AuthConfig) as
// "user:pass" credentials; none is "".
func registryAuth(req *http.Request) (string, error) {
	h := req.Header.Get("X-Registry-Auth")
	if h == "" {
		return "", nil
	}
	data, err := base64.URLEncoding.DecodeString(h)
	if err != nil {
		if data, err = base64.StdEncoding.DecodeString(h); err != nil {
			return "", errdefs.InvalidArgumentf("X-Registry-Auth: not base64")
		}
	}
	var ac registry.AuthConfig
	if err := json.Unmarshal(data, &ac); err != nil {
		// The docker CLI sends "{}" or garbage-free JSON; anything else is
		// no credentials, as Docker treats it.
		return "", nil
	}
	if ac.Username == "" && ac.Password == "" {
		return "", nil
	}
	return ac.Username + ":" + ac.Password, nil
}

// tlsFor applies Docker's rule that a registry on a loopback address is
// reached without TLS verification (and over plain HTTP).
func tlsFor(name string) types.OptionalBool {
	ref, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return types.OptionalBoolUndefined
	}
	return hostTLS(reference.Domain(ref))
}

// imageCreate pulls fromImage[:tag], streaming progress.
func (s *Server) imageCreate(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	if q.Get("fromSrc") != "" {
		s.imageImport(w, req)
		return
	}
	name := q.Get("fromImage")
	if name == "" {
		writeError(w, errdefs.InvalidArgumentf("fromImage is required"))
		return
	}
	if tag := q.Get("tag"); tag != "" {
		if strings.HasPrefix(tag, "sha256:") {
			name += "@" + tag
		} else {
			name += ":" + tag
		}
	}
	creds, err := registryAuth(req)
	if err != nil {
		writeError(w, err)
		return
	}
	ps := newProgressStream(w)
	ps.send(jsonstream.Message{Status: "Pulling from " + name, ID: tagOf(name)})
	lw, closeLines := ps.lines()
	ids, err := s.rt.Images().Pull(req.Context(), name, images.PullOptions{
		Progress: lw, Credentials: creds, Platform: q.Get("platform"), TLSVerify: tlsFor(name),
	})
	closeLines()
	if err != nil {
		ps.fail(err)
		return
	}
	if len(ids) > 0 {
		if in, err := s.rt.Images().InspectImage(req.Context(), ids[0]); err == nil && in.Digest != "" {
			ps.status("Digest: %s", in.Digest)
		}
	}
	ps.status("Status: Downloaded newer image for %s", name)
}

func tagOf(name string) string {
	if i := strings.LastIndexAny(name, ":@"); i > strings.LastIndex(name, "/") {
		return name[i+1:]
	}
	return "latest"
}

func (s *Server) imageList(w http.ResponseWriter, req *http.Request) {
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	list, err := s.rt.Images().ListImages(req.Context(), images.ListImagesOptions{All: boolValue(req, "all"), Filters: fs})
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.rt.Images().WithLabels(req.Context(), list); err != nil {
		writeError(w, err)
		return
	}
	out := make([]image.Summary, 0, len(list))
	for _, im := range list {
		out = append(out, imageSummary(im))
	}
	writeJSON(w, http.StatusOK, out)
}

func imageSummary(im images.ImageSummary) image.Summary {
	sm := image.Summary{
		ID: "sha256:" + im.ID, Created: im.Created.Unix(), Size: im.Size,
		RepoTags: im.RepoTags, RepoDigests: im.RepoDigests, Labels: im.Labels,
		Containers: int64(im.Containers), SharedSize: -1,
	}
	if sm.RepoTags == nil {
		sm.RepoTags = []string{}
	}
	if sm.RepoDigests == nil {
		sm.RepoDigests = []string{}
	}
	if sm.Labels == nil {
		sm.Labels = map[string]string{}
	}
	return sm
}

// splitImagePath splits "NAME/ACTION" off a path under /images/ where
// NAME may hold slashes; action is one of actions or "" (the name only).
func splitImagePath(rest string, actions ...string) (name, action string) {
	for _, a := range actions {
		if n, ok := strings.CutSuffix(rest, "/"+a); ok {
			return n, a
		}
	}
	return rest, ""
}

func (s *Server) imageGet(w http.ResponseWriter, req *http.Request) {
	name, action := splitImagePath(req.PathValue("rest"), "json", "history", "get")
	switch action {
	case "json":
		s.imageInspect(w, req, name)
	case "history":
		s.imageHistory(w, req, name)
	case "get":
		s.imageSave(w, req, []string{name})
	default:
		writeError(w, notFoundPath(req))
	}
}

func (s *Server) imagePost(w http.ResponseWriter, req *http.Request) {
	name, action := splitImagePath(req.PathValue("rest"), "tag", "push")
	switch action {
	case "tag":
		s.imageTag(w, req, name)
	case "push":
		s.imagePush(w, req, name)
	default:
		writeError(w, notFoundPath(req))
	}
}

func (s *Server) imageInspect(w http.ResponseWriter, req *http.Request, name string) {
	in, err := s.rt.Images().InspectImage(req.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	var out image.InspectResponse
	if err := convert(in, &out); err != nil {
		writeError(w, err)
		return
	}
	if !strings.HasPrefix(out.ID, "sha256:") {
		out.ID = "sha256:" + out.ID
	}
	if out.RepoTags == nil {
		out.RepoTags = []string{}
	}
	if out.RepoDigests == nil {
		out.RepoDigests = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) imageHistory(w http.ResponseWriter, req *http.Request, name string) {
	hs, err := s.rt.Images().ImageHistory(req.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]image.HistoryResponseItem, 0, len(hs))
	for _, h := range hs {
		id := h.ID
		if id != "<missing>" && !strings.HasPrefix(id, "sha256:") {
			id = "sha256:" + id
		}
		tags := h.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, image.HistoryResponseItem{
			ID: id, Created: h.Created.Unix(), CreatedBy: h.CreatedBy, Size: h.Size, Comment: h.Comment, Tags: tags,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) imageTag(w http.ResponseWriter, req *http.Request, name string) {
	repo, tag := req.URL.Query().Get("repo"), req.URL.Query().Get("tag")
	if repo == "" {
		writeError(w, errdefs.InvalidArgumentf("tag: repo is required"))
		return
	}
	if tag == "" {
		tag = "latest"
	}
	if err := s.rt.Images().TagImage(req.Context(), name, repo+":"+tag); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) imagePush(w http.ResponseWriter, req *http.Request, name string) {
	if tag := req.URL.Query().Get("tag"); tag != "" {
		name += ":" + tag
	}
	creds, err := registryAuth(req)
	if err != nil {
		writeError(w, err)
		return
	}
	if _, err := s.rt.Images().InspectImage(req.Context(), name); err != nil {
		writeError(w, err)
		return
	}
	ps := newProgressStream(w)
	ps.send(jsonstream.Message{Status: "The push refers to repository [" + name + "]"})
	lw, closeLines := ps.lines()
	dg, err := s.rt.Images().Push(req.Context(), name, name, images.PushOptions{
		Progress: lw, Credentials: creds, TLSVerify: tlsFor(name),
	})
	closeLines()
	if err != nil {
		ps.fail(err)
		return
	}
	ps.status("%s: digest: %s", tagOf(name), dg)
}

func (s *Server) imageDelete(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("rest")
	rm, errs := s.rt.Images().RemoveImages(req.Context(), []string{name}, images.RemoveImagesOptions{Force: boolValue(req, "force")})
	if len(errs) > 0 {
		writeError(w, errs[0])
		return
	}
	out := []image.DeleteResponse{}
	if rm != nil {
		for _, u := range rm.Untagged {
			out = append(out, image.DeleteResponse{Untagged: u})
		}
		for _, d := range rm.Deleted {
			out = append(out, image.DeleteResponse{Deleted: "sha256:" + strings.TrimPrefix(d, "sha256:")})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) imagePrune(w http.ResponseWriter, req *http.Request) {
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	o := images.PruneImagesOptions{}
	for _, f := range fs {
		switch f {
		case "dangling=false", "dangling=0":
			o.All = true
		case "dangling=true", "dangling=1":
		default:
			o.Filters = append(o.Filters, f)
		}
	}
	ids, err := s.rt.Images().PruneImages(req.Context(), o)
	if err != nil {
		writeError(w, err)
		return
	}
	out := image.PruneReport{ImagesDeleted: []image.DeleteResponse{}}
	for _, id := range ids {
		out.ImagesDeleted = append(out.ImagesDeleted, image.DeleteResponse{Deleted: "sha256:" + id})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) imageGetMany(w http.ResponseWriter, req *http.Request) {
	s.imageSave(w, req, req.URL.Query()["names"])
}

func (s *Server) imageSave(w http.ResponseWriter, req *http.Request, names []string) {
	if len(names) == 0 {
		writeError(w, errdefs.InvalidArgumentf("no image named"))
		return
	}
	for _, n := range names {
		if _, err := s.rt.Images().InspectImage(req.Context(), n); err != nil {
			writeError(w, err)
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-tar")
	err := s.rt.Images().SaveImages(req.Context(), storage.SaveOptions{Images: names, Stdout: w})
	if err != nil {
		panic(http.ErrAbortHandler) // the client sees a truncated archive
	}
}

func (s *Server) imageLoad(w http.ResponseWriter, req *http.Request) {
	ids, err := s.rt.Images().LoadImages(req.Context(), images.LoadOptions{Stdin: req.Body})
	if err != nil {
		writeError(w, err)
		return
	}
	ps := newProgressStream(w)
	for _, id := range ids {
		ps.send(jsonstream.Message{Stream: "Loaded image: " + id + "\n"})
	}
}
