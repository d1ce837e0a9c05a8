package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
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
	tty    *os.File // the test's copy of the terminal, closed once pod exited
	cancel context.CancelFunc

	mu   sync.Mutex
	out  strings.Builder
	more chan struct{} // closed and replaced whenever output arrives
	eof  bool
	done chan struct{} // closed once the reader hit the end

	exited  chan struct{} // closed once pod exited (and tty is closed)
	waitErr error
}

// startPty runs pod args on a new 24x80 terminal.
func startPty(t *testing.T, e *Env, args ...string) *ptySession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	return startPtyCmd(t, e.Command(ctx, args...), cancel)
}

// startPtyCmd runs cmd (made with a context that cancel ends) on a new
// 24x80 terminal.
func startPtyCmd(t *testing.T, cmd *exec.Cmd, cancel context.CancelFunc) *ptySession {
	t.Helper()
	args := cmd.Args
	master, tty, err := pty.Open()
	if err != nil {
		cancel()
		t.Fatalf("open a pty: %v", err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		t.Fatalf("size the pty: %v", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// pod leads a session whose controlling terminal is the pty, as in a
	// terminal emulator.
	cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty, cmd.SysProcAttr.Ctty = true, true, 0
	if err := cmd.Start(); err != nil {
		cancel()
		master.Close()
		tty.Close()
		t.Fatalf("start pod %v on a pty: %v", args, err)
	}
	// The test keeps its copy of the terminal open while pod runs, as the
	// shell of a terminal emulator would: once the last holder closes it,
	// Linux may report the end (EIO) to the master's reader before the
	// last output, so it is closed only after pod has exited (see Wait).
	s := &ptySession{t: t, cmd: cmd, master: master, tty: tty, cancel: cancel, more: make(chan struct{}),
		done: make(chan struct{}), exited: make(chan struct{})}
	go s.read()
	go func() {
		s.waitErr = cmd.Wait()
		tty.Close()
		close(s.exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-s.exited
		s.master.Close()
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
	<-s.exited
	err := s.waitErr
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
