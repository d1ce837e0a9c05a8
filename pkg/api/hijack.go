package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/docker/docker/pkg/stdcopy"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// stream is a connection taken over from net/http (attach, exec start):
// raw bytes both ways after Docker's upgrade response.
type stream struct {
	conn net.Conn
	in   *bufio.Reader // what the client sends: stdin
	wmu  sync.Mutex    // stdout and stderr frames are written whole
	once sync.Once
	s    *Server
	// hangup, when set, is called when a write to the client fails.
	hangup func()
}

// hijack answers the request with Docker's upgrade response for a raw
// (tty) or multiplexed stream and takes the connection over. The caller
// must Close the stream; it stays counted as open for the idle timeout
// until then.
func (s *Server) hijack(w http.ResponseWriter, req *http.Request, tty bool) (*stream, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errdefs.NotImplementedf("this connection cannot be taken over for a stream")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, fmt.Errorf("hijack the connection: %w", err)
	}
	// net/http no longer tracks it: count it until Close.
	s.addActive(1)
	st := &stream{conn: conn, in: rw.Reader, s: s}
	ctype := "application/vnd.docker.multiplexed-stream"
	if tty {
		ctype = "application/vnd.docker.raw-stream"
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: " + ctype + "\r\n"
	if req.Header.Get("Upgrade") != "" {
		head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + ctype + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
	}
	head += "Api-Version: " + APIVersion + "\r\n\r\n"
	if _, err := conn.Write([]byte(head)); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// Write writes whole frames (or raw bytes) under the stream's lock. A
// failed write means the client is gone: the session's hangup runs, so
// that the engine stops streaming to nobody.
func (st *stream) Write(p []byte) (int, error) {
	st.wmu.Lock()
	defer st.wmu.Unlock()
	n, err := st.conn.Write(p)
	if err != nil && st.hangup != nil {
		st.hangup()
	}
	return n, err
}

// Close closes the connection once.
func (st *stream) Close() error {
	st.once.Do(func() {
		st.conn.Close()
		st.s.addActive(-1)
	})
	return nil
}

// closeWrite ends the client's read side when the transport allows it
// (the docker CLI waits for it after the last frame).
func (st *stream) closeWrite() {
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := st.conn.(closeWriter); ok {
		cw.CloseWrite()
	}
}

// outputs returns the writers for the container's stdout and stderr:
// the same raw stream with a terminal, else stdcopy's frames.
func (st *stream) outputs(tty bool) (stdout, stderr io.Writer) {
	return muxWriters(st, tty)
}

// muxWriters are w itself with a terminal (one raw stream), else
// writers of Docker's multiplexed frames on w.
func muxWriters(w io.Writer, tty bool) (stdout, stderr io.Writer) {
	if tty {
		return w, w
	}
	return stdcopy.NewStdWriter(w, stdcopy.Stdout), stdcopy.NewStdWriter(w, stdcopy.Stderr)
}

// writeStreamError reports err on a stream whose header went out: as a
// stderr frame (multiplexed) or plain text (raw), as Docker does.
func (st *stream) writeStreamError(tty bool, err error) {
	if err == nil || errors.Is(err, net.ErrClosed) {
		return
	}
	_, stderr := st.outputs(tty)
	fmt.Fprintf(stderr, "Error: %v\n", err)
}
