package api

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/logs"
)

// flushWriter flushes every write: a followed log or a progress stream
// reaches the client as it is written.
type flushWriter struct {
	mu sync.Mutex
	w  http.ResponseWriter
}

func (f *flushWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.w.Write(p)
	flush(f.w)
	return n, err
}

func (s *Server) containerLogs(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	wantOut, wantErr := boolValue(req, "stdout"), boolValue(req, "stderr")
	if !wantOut && !wantErr {
		writeError(w, errdefs.InvalidArgumentf("you must choose at least one stream"))
		return
	}
	c, err := s.rt.Container(ctx, req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	o := logs.Options{Follow: boolValue(req, "follow"), Timestamps: boolValue(req, "timestamps"), Tail: -1}
	q := req.URL.Query()
	if t := q.Get("tail"); t != "" && t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil {
			writeError(w, errdefs.InvalidArgumentf("tail: %q is not a number of lines", t))
			return
		}
		o.Tail = n
	}
	now := time.Now()
	for key, dst := range map[string]*time.Time{"since": &o.Since, "until": &o.Until} {
		if v := q.Get(key); v != "" && v != "0" {
			if *dst, err = filters.ParseTime(v, now); err != nil {
				writeError(w, errdefs.InvalidArgumentf("%s: %v", key, err))
				return
			}
		}
	}
	tty := c.Config.Tty
	ctype := "application/vnd.docker.multiplexed-stream"
	if tty {
		ctype = "application/vnd.docker.raw-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	flush(w)
	fw := &flushWriter{w: w}
	var stdout, stderr = muxWriters(fw, tty)
	if !wantOut {
		stdout = discard{}
	}
	if !wantErr {
		stderr = discard{}
	}
	if err := s.rt.ContainerLogs(ctx, c.ID, o, stdout, stderr); err != nil && !errors.Is(err, ctx.Err()) {
		stderr.Write([]byte("Error: " + err.Error() + "\n"))
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
