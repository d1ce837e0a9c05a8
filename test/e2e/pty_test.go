package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptySession is pod running on a pseudo-terminal, as a user at a terminal
// runs it: the test types on the master and reads what the user would see.
type ptySession struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
	cancel context.CancelFunc

	mu   sync.Mutex
	out  strings.Builder
	more chan struct{} // closed and replaced whenever output arrives
	eof  bool
	done chan struct{} // closed once the reader hit the end
}

// startPty runs pod args on a new 24x80 terminal.
func startPty(t *testing.T, e *Env, args ...string) *ptySession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := e.Command(ctx, args...)
	master, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		cancel()
		t.Fatalf("start pod %v on a pty: %v", args, err)
	}
	s := &ptySession{t: t, cmd: cmd, master: master, cancel: cancel, more: make(chan struct{}), done: make(chan struct{})}
	go s.read()
	t.Cleanup(func() {
		cancel()
		s.master.Close()
		s.cmd.Wait()
	})
	return s
}

func (s *ptySession) read() {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		n, err := s.master.Read(buf)
		s.mu.Lock()
		s.out.Write(buf[:n])
		if err != nil {
			s.eof = true
		}
		close(s.more)
		s.more = make(chan struct{})
		s.mu.Unlock()
		if err != nil { // EIO once the last holder of the slave closed it
			return
		}
	}
}

// Output is everything pod wrote to the terminal so far.
func (s *ptySession) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// Type writes keys to the terminal.
func (s *ptySession) Type(keys string) {
	s.t.Helper()
	if _, err := s.master.Write([]byte(keys)); err != nil {
		s.t.Fatalf("type %q: %v", keys, err)
	}
}

// Expect waits until the output since offset from contains want and
// returns the offset after it. The limit only guards against a hang.
func (s *ptySession) Expect(from int, want string) int {
	s.t.Helper()
	limit := time.After(time.Minute)
	for {
		s.mu.Lock()
		out, more, eof := s.out.String(), s.more, s.eof
		s.mu.Unlock()
		if from > len(out) {
			from = len(out)
		}
		if i := strings.Index(out[from:], want); i >= 0 {
			return from + i + len(want)
		}
		if eof {
			s.t.Fatalf("pod ended before printing %q; terminal showed:\n%q", want, out)
		}
		select {
		case <-more:
		case <-limit:
			s.t.Fatalf("no %q on the terminal after a minute; it showed:\n%q", want, out)
		}
	}
}

// Wait waits for pod to exit and returns its exit code.
func (s *ptySession) Wait() int {
	s.t.Helper()
	err := s.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	s.t.Fatalf("wait for pod: %v", err)
	return -1
}

// Resize changes the terminal's size; the kernel sends pod SIGWINCH.
func (s *ptySession) Resize(rows, cols uint16) {
	s.t.Helper()
	if err := pty.Setsize(s.master, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		s.t.Fatalf("resize: %v", err)
	}
}
