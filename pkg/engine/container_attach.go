package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// ErrDetached is returned by StartAndWait, Attach and Exec when the user
// typed the detach keys: the client left, the container goes on running.
var ErrDetached = conmon.ErrDetached

// TermSize is a terminal's size in characters.
type TermSize struct {
	Rows, Cols uint16
}

// AttachOptions are the client's side of an attach session.
type AttachOptions struct {
	// Stdin, when not nil and the container keeps stdin open (-i), is
	// copied to the container; its end ends the container's stdin unless
	// the container has a terminal.
	Stdin io.Reader
	// Stdout and Stderr receive the container's output (Stderr nil: merged
	// into Stdout; with a terminal everything arrives as stdout).
	Stdout, Stderr io.Writer
	// DetachKeys is the sequence (Docker's syntax, "ctrl-p,ctrl-q") that,
	// typed on Stdin, detaches the client; "" disables detaching. It
	// applies only to a process with a terminal (-t), as in Docker and
	// Podman: without one, stdin is data and reaches the process byte for
	// byte, detach keys included.
	DetachKeys string
	// Resize delivers the client terminal's sizes (the first one at once,
	// then one per change); each is applied to the container's terminal.
	Resize <-chan TermSize
}

// Attach connects to a running container's streams and copies them until
// the container exits (its exit code is returned) or the client detaches
// (ErrDetached). Only output produced from now on is seen.
func (r *Runtime) Attach(ctx context.Context, idOrName string, opts AttachOptions) (int, error) {
	if _, err := conmon.ParseDetachKeys(opts.DetachKeys); err != nil {
		return 0, errdefs.InvalidArgument(err)
	}
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return 0, err
	}
	if !isRunning(c) {
		return 0, errdefs.Conflictf("you can only attach to running containers: %s is %s", c.Name, c.Status)
	}
	socket, err := r.attachSocket(c.ID)
	if err != nil {
		return 0, err
	}
	conn, err := conmon.Dial(ctx, socket)
	if err != nil {
		// The container exited between the check and the dial.
		return 0, errdefs.Conflictf("you can only attach to running containers: %s: %v", c.Name, err)
	}
	defer conn.Close()
	r.containerEvent(ctx, c.Container, "attach")
	code, ok, err := stream(ctx, conn, c.Config.OpenStdin, c.Config.Tty, opts)
	if err != nil || ok {
		return code, err
	}
	return r.waitExitFile(ctx, c)
}

// stream copies between the client and an attached monitor connection
// until the process exits or the client detaches, and returns the exit code
// when the monitor sent it (ok). openStdin says the process has a stdin to
// copy to, tty that it has a terminal: only then do the detach keys detach.
// Without a terminal, stdin is a byte stream (a file, a pipe from another
// program) in which the keys' bytes are data; cutting it there would lose
// the rest and leave the process waiting for input that never comes.
func stream(ctx context.Context, conn *conmon.Conn, openStdin, tty bool, opts AttachOptions) (code int, ok bool, err error) {
	keys, err := conmon.ParseDetachKeys(opts.DetachKeys)
	if err != nil {
		return 0, false, errdefs.InvalidArgument(err)
	}
	var stdin io.Reader
	if openStdin && opts.Stdin != nil {
		stdin = opts.Stdin
		if tty {
			stdin = conmon.NewDetachReader(opts.Stdin, keys)
		}
	}
	if opts.Resize != nil {
		// The size known now goes first, before any input.
		select {
		case sz := <-opts.Resize:
			if sz.Rows > 0 && sz.Cols > 0 {
				conn.Resize(sz.Rows, sz.Cols)
			}
		default:
		}
		done := make(chan struct{})
		defer close(done)
		go forwardResize(conn, opts.Resize, done)
	}
	if err := conn.Copy(ctx, stdin, opts.Stdout, opts.Stderr); err != nil {
		return 0, false, err
	}
	code, ok = conn.ExitCode()
	return code, ok, nil
}

func forwardResize(conn *conmon.Conn, sizes <-chan TermSize, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case s, ok := <-sizes:
			if !ok {
				return
			}
			if s.Rows > 0 && s.Cols > 0 {
				conn.Resize(s.Rows, s.Cols)
			}
		}
	}
}

// isRunning says whether c's process runs now (its monitor is alive).
func isRunning(c *Container) bool {
	return isActive(c.Status) && conmon.Alive(c.MonitorPID)
}

// attachSocket is where c's monitor serves attach clients.
func (r *Runtime) attachSocket(id string) (string, error) {
	exit, err := r.exitFile(id)
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(exit), "attach"), nil
}

// consoleSocket is a path for the console socket of container or exec
// session id, short enough for sun_path: the runtime dials it by name, and
// the container's run directory is often too deep. Its directory is the
// caller's only.
func (r *Runtime) consoleSocket(id string) (string, error) {
	dir := filepath.Join(r.storeOpts.RunRoot, "pod-console")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	p := filepath.Join(dir, shortID(id)+".sock")
	if len(p) >= 108 {
		return "", fmt.Errorf("console socket path %s is too long for a unix socket: use a shorter --runroot", p)
	}
	return p, nil
}

// firstTermSize takes the client's current size, if one is waiting, for a
// container with a terminal, and has c's terminal created with it (see
// consoleSize): a command that looks at its terminal at once sees the right
// size, not 0x0 until the first resize arrives.
func firstTermSize(c *Container, sizes <-chan TermSize) *TermSize {
	if !c.Config.Tty || sizes == nil {
		return nil
	}
	select {
	case sz := <-sizes:
		if sz.Rows > 0 && sz.Cols > 0 {
			c.termSize = &sz
			return &sz
		}
	default:
	}
	return nil
}

// consoleSize is the spec's process.consoleSize for c: nil unless an
// attached client gave its size.
func (c *Container) consoleSize() *specs.Box {
	if c.termSize == nil || !c.Config.Tty {
		return nil
	}
	return &specs.Box{Height: uint(c.termSize.Rows), Width: uint(c.termSize.Cols)}
}
