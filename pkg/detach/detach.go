// Package detach starts pod's long-lived helper processes (a network's
// name server, a container's slirp4netns and port helper): re-executions
// of pod in a session of their own, so that they outlive the command that
// starts them, which tell that command over a pipe when they are ready.
//
// The pipe is the child's file descriptor 3. The child reports with
// Ready or Fail; the parent's Start returns only after one of them.
package detach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

const readyFD = 3

// Start starts cmd in its own session, waits until it reports ready, then
// records its PID in pidFile and lets it go. When the child fails, exits
// before it is ready, or ctx ends first, the child is killed and the error
// is what it reported.
func Start(ctx context.Context, cmd *exec.Cmd, pidFile string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd.ExtraFiles = append([]*os.File{w}, cmd.ExtraFiles...)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
	err = cmd.Start()
	w.Close()
	if err != nil {
		return err
	}
	ready := make(chan error, 1)
	go func() {
		b, _ := io.ReadAll(r)
		switch msg := strings.TrimSpace(string(b)); msg {
		case "ok":
			ready <- nil
		case "":
			ready <- errors.New("exited before it was ready")
		default:
			ready <- errors.New(msg)
		}
	}()
	select {
	case err = <-ready:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil && pidFile != "" {
		err = os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	return cmd.Process.Release()
}

// Reporter is the child's end of the pipe.
type Reporter struct{ f *os.File }

// NewReporter takes the pipe Start gave the child. Processes the child
// starts do not inherit it, so the parent is not kept waiting by them.
func NewReporter() *Reporter {
	syscall.CloseOnExec(readyFD)
	return &Reporter{f: os.NewFile(readyFD, "ready")}
}

// Ready tells the parent the child is ready.
func (r *Reporter) Ready() {
	fmt.Fprint(r.f, "ok")
	r.f.Close()
}

// Fail tells the parent why the child could not start, and on stderr (the
// child's log), then exits.
func (r *Reporter) Fail(err error) {
	fmt.Fprint(r.f, err.Error())
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
