package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/logs"
	"github.com/pod-engine/pod/pkg/state"
)

// pendingAttach is an attach made before its container started, as
// `docker run` makes it: the start streams the container's first output
// to it, so none is lost.
type pendingAttach struct {
	st         *stream
	stdin      io.Reader // nil when the client does not attach stdin
	stdout     io.Writer
	stderr     io.Writer
	tty        bool
	detachKeys string
	sizes      *sizeQueue
	ctx        context.Context // ends when the client hung up
	cancel     context.CancelFunc
	done       chan struct{} // closed when the session ended
	ready      chan struct{} // closed when the fields above are set (or failed)
	failed     bool          // the client's connection could not be taken over
}

func (s *Server) takePending(id string) *pendingAttach {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	p := s.pending[id]
	delete(s.pending, id)
	return p
}

// sizeQueue keeps the latest terminal size for a session: resize
// requests never block on a session that is not reading them.
type sizeQueue struct {
	ch chan engine.TermSize
}

func newSizeQueue() *sizeQueue { return &sizeQueue{ch: make(chan engine.TermSize, 1)} }

func (q *sizeQueue) put(sz engine.TermSize) {
	for {
		select {
		case q.ch <- sz:
			return
		default:
		}
		select {
		case <-q.ch:
		default:
		}
	}
}

// sessions maps a container (or exec) ID to the terminal of its attached
// session, for resize requests.
type sessions struct {
	mu sync.Mutex
	m  map[string]*sizeQueue
}

func (ss *sessions) add(id string, q *sizeQueue) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[string]*sizeQueue{}
	}
	ss.m[id] = q
}

func (ss *sessions) remove(id string, q *sizeQueue) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m[id] == q {
		delete(ss.m, id)
	}
}

func (ss *sessions) get(id string) *sizeQueue {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.m[id]
}

func (s *Server) containerAttach(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	c, err := s.rt.Container(ctx, req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	withLogs, live := boolValue(req, "logs"), boolValue(req, "stream")
	if !withLogs && !live {
		writeError(w, errdefs.InvalidArgumentf("attach needs stream=1 or logs=1"))
		return
	}
	tty := c.Config.Tty
	wantIn := boolValue(req, "stdin") && c.Config.OpenStdin
	keys := req.URL.Query().Get("detachKeys")
	if keys == "" {
		keys = "ctrl-p,ctrl-q"
	}
	running := c.Status == state.StatusRunning || c.Status == state.StatusPaused
	// A pending attach is registered before the client hears the upgrade:
	// the client starts the container as soon as it does.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var p *pendingAttach
	if !running && live {
		p = &pendingAttach{
			tty: tty, detachKeys: detachKeysFor(tty, keys), sizes: newSizeQueue(),
			ctx: sctx, cancel: cancel, done: make(chan struct{}), ready: make(chan struct{}),
		}
		s.pendingMu.Lock()
		s.pending[c.ID] = p
		s.pendingMu.Unlock()
	}
	st, err := s.hijack(w, req, tty)
	if err != nil {
		if p != nil {
			s.takePending(c.ID)
			p.failed = true
			close(p.ready)
		}
		return
	}
	defer st.Close()
	st.hangup = cancel
	stdout, stderr := st.outputs(tty)
	if !boolValue(req, "stdout") {
		stdout = io.Discard
	}
	if !boolValue(req, "stderr") {
		stderr = io.Discard
	}
	if withLogs {
		// The log so far, then the live output (Docker's logs=1): a
		// pending start waits for it, as p.ready is not closed yet.
		err := s.rt.ContainerLogs(sctx, c.ID, logs.Options{Tail: -1}, stdout, stderr)
		if err != nil && !errdefs.IsNotFound(err) && !errors.Is(err, context.Canceled) {
			st.writeStreamError(tty, err)
		}
		if !live {
			go io.Copy(io.Discard, st.in)
			st.closeWrite()
			return
		}
	}
	stdin := s.clientInput(st, wantIn)
	if running {
		sizes := newSizeQueue()
		s.sessions.add(c.ID, sizes)
		defer s.sessions.remove(c.ID, sizes)
		_, err := s.rt.Attach(sctx, c.ID, engine.AttachOptions{
			Stdin: stdin, Stdout: stdout, Stderr: stderr, DetachKeys: detachKeysFor(tty, keys), Resize: sizes.ch,
		})
		if err != nil && !errors.Is(err, context.Canceled) && !errdefs.IsConflict(err) {
			st.writeStreamError(tty, err)
		}
		st.closeWrite()
		return
	}
	s.sessions.add(c.ID, p.sizes)
	defer s.sessions.remove(c.ID, p.sizes)
	p.st, p.stdin, p.stdout, p.stderr = st, stdin, stdout, stderr
	close(p.ready)
	// Until the start takes it, or the container is removed unstarted.
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-tick.C:
		}
		if _, err := s.rt.Container(sctx, c.ID); errdefs.IsNotFound(err) {
			if s.takePending(c.ID) != nil {
				return
			}
			<-p.done // the start took it just now
			return
		}
	}
}

// detachKeysFor: detach keys apply to a terminal only.
func detachKeysFor(tty bool, keys string) string {
	if !tty {
		return ""
	}
	return keys
}

// clientInput reads what the client sends. With stdin attached it is
// the container's stdin (its end, a half-close, ends that); else the
// bytes are dropped. The end of the input is not a hang-up: the docker
// CLI half-closes a stream it has no stdin for and keeps reading; a
// client that went away is noticed when the output to it fails.
func (s *Server) clientInput(st *stream, stdin bool) io.Reader {
	if !stdin {
		go io.Copy(io.Discard, st.in)
		return nil
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, st.in)
		pw.CloseWithError(err)
	}()
	return pr
}

// startAttached starts c streaming to the pending attach p and returns
// once it runs (or failed to start); the streaming goes on until the
// container exits or the client hangs up.
func (s *Server) startAttached(ctx context.Context, c *engine.Container, p *pendingAttach) error {
	<-p.ready
	if p.failed {
		return s.rt.Start(ctx, c.ID, engine.StartOptions{})
	}
	started := make(chan error, 1)
	var once sync.Once
	signal := func(err error) { once.Do(func() { started <- err }) }
	go func() {
		defer close(p.done)
		_, err := s.rt.StartAndWait(p.ctx, c.ID, engine.StartOptions{
			Attach: true, Stdin: p.stdin, Stdout: p.stdout, Stderr: p.stderr,
			DetachKeys: p.detachKeys, Resize: p.sizes.ch,
			Started: func() { signal(nil) },
		})
		signal(err)
		if err != nil && !errors.Is(err, context.Canceled) {
			p.st.writeStreamError(p.tty, err)
		}
		p.st.closeWrite()
	}()
	select {
	case err := <-started:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// containerResize applies a size to the terminal of the container's
// attached session.
func (s *Server) containerResize(w http.ResponseWriter, req *http.Request) {
	s.resize(w, req, func(id string) (string, error) {
		c, err := s.rt.Container(req.Context(), id)
		if err != nil {
			return "", err
		}
		return c.ID, nil
	})
}

func (s *Server) resize(w http.ResponseWriter, req *http.Request, resolve func(string) (string, error)) {
	h, err1 := strconv.ParseUint(req.URL.Query().Get("h"), 10, 16)
	wd, err2 := strconv.ParseUint(req.URL.Query().Get("w"), 10, 16)
	if err1 != nil || err2 != nil {
		writeError(w, errdefs.InvalidArgumentf("resize: h and w must be numbers of rows and columns"))
		return
	}
	id, err := resolve(req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	q := s.sessions.get(id)
	if q == nil {
		writeError(w, errdefs.Conflictf("no attached session with a terminal to resize for %s", req.PathValue("id")))
		return
	}
	q.put(engine.TermSize{Rows: uint16(h), Cols: uint16(wd)})
	w.WriteHeader(http.StatusOK)
}
