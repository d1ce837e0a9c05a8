// Package api serves the Docker Engine API (the docker CLI, compose,
// testcontainers) from one long-running process on top of pkg/engine.
//
// Contracts a caller may rely on:
//   - Every request is served in-process by one shared *engine.Runtime; the
//     engine is safe for concurrent use (the state DB serialises writers
//     with BEGIN IMMEDIATE and a busy timeout, each container's lifecycle
//     operations take that container's lock file through a descriptor of
//     their own, storage has its own locks), so requests run concurrently
//     as separate `pod` processes would.
//   - Request and response bodies are moby's API types
//     (github.com/moby/moby/api/types); errors are Docker's JSON body
//     {"message": ...} with the status errdefs.HTTPStatus gives.
//   - Paths are accepted with and without the /vX.Y prefix.
//   - Serve returns after the listener was idle (no open connection, hijacked
//     streams included) for the idle timeout, or when ctx ends.
package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/engine"
)

// APIVersion is the Engine API version served: the newest a client may
// use. MinAPIVersion is the oldest accepted.
const (
	APIVersion    = "1.51"
	MinAPIVersion = "1.24"
)

// maxJSONBody bounds a JSON request body: Docker's requests are a few
// kilobytes; a larger one is a mistake or an attack.
const maxJSONBody = 4 << 20

// Server serves the API for one Runtime.
type Server struct {
	rt  *engine.Runtime
	mux *http.ServeMux
	// cors, when set, is the Access-Control-Allow-Origin every response
	// carries (podman's system service --cors); "" sends no CORS headers.
	cors string

	// pending holds attach requests made before their container started
	// (`docker run` attaches, then starts): the start streams to them.
	pendingMu sync.Mutex
	pending   map[string]*pendingAttach

	// sessions are the attached terminals, for resize requests.
	sessions sessions

	// execs are the exec instances created and not yet started or
	// inspected away, by ID.
	execMu sync.Mutex
	execs  map[string]*execInstance

	// active counts open connections (hijacked ones until they close) for
	// the idle timeout.
	activeMu sync.Mutex
	active   int
	idle     chan struct{} // receives when active drops to zero
	busy     chan struct{} // receives when a connection opens
}

// New returns a Server answering with rt.
func New(rt *engine.Runtime) *Server {
	s := &Server{
		rt:      rt,
		mux:     http.NewServeMux(),
		pending: map[string]*pendingAttach{},
		execs:   map[string]*execInstance{},
		idle:    make(chan struct{}, 1),
		busy:    make(chan struct{}, 1),
	}
	s.routes()
	return s
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/`)

// ServeHTTP strips the API version prefix and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if loc := versionPrefix.FindStringIndex(req.URL.Path); loc != nil {
		req.URL.Path = req.URL.Path[loc[1]-1:]
		req.URL.RawPath = ""
	}
	w.Header().Set("Api-Version", APIVersion)
	w.Header().Set("Server", "pod/"+serverVersion())
	if s.cors != "" {
		w.Header().Set("Access-Control-Allow-Origin", s.cors)
		w.Header().Set("Access-Control-Allow-Headers", "*")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS")
		if req.Method == http.MethodOptions {
			// A browser's preflight: the headers above are the answer.
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	logrus.Debugf("api: %s %s", req.Method, req.URL.RequestURI())
	s.mux.ServeHTTP(w, req)
}

// WithCORS makes every response allow cross-origin requests from origin
// ("*" for any), and answers browsers' preflight OPTIONS requests.
func (s *Server) WithCORS(origin string) *Server {
	s.cors = origin
	return s
}

// Serve answers connections on l until ctx ends or, with idle > 0, no
// connection was open for idle. It closes l.
func (s *Server) Serve(ctx context.Context, l net.Listener, idle time.Duration) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnState:         s.connState,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	var timer <-chan time.Time
	var t *time.Timer
	arm := func() {
		if idle > 0 {
			t = time.NewTimer(idle)
			timer = t.C
		}
	}
	arm()
	for {
		select {
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-ctx.Done():
			return s.shutdown(hs)
		case <-s.busy:
			if t != nil {
				t.Stop()
				timer = nil
			}
		case <-s.idle:
			if t != nil {
				t.Stop()
			}
			arm()
		case <-timer:
			s.activeMu.Lock()
			n := s.active
			s.activeMu.Unlock()
			if n == 0 {
				logrus.Debugf("api: idle for %s, exiting", idle)
				return s.shutdown(hs)
			}
		}
	}
}

func (s *Server) shutdown(hs *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return hs.Close()
	}
	return err
}

// connState counts connections: a hijacked one stays counted until the
// handler that took it closes it (see hijack).
func (s *Server) connState(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.addActive(1)
	case http.StateClosed:
		s.addActive(-1)
	}
}

func (s *Server) addActive(d int) {
	s.activeMu.Lock()
	s.active += d
	n := s.active
	s.activeMu.Unlock()
	ch := s.busy
	if n == 0 {
		ch = s.idle
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}
