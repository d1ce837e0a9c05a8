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

// Start starts cmd in its own session, records its PID in pidFile (see
// WritePID) at once, waits until it reports ready, then lets it go. The
// record comes before the wait because the child outlives a caller killed
// while waiting: whoever comes next must be able to find and end it. When
// the child fails, exits before it is ready, or ctx ends first, the child
// is killed, pidFile removed, and the error is what it reported.
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
	if pidFile != "" {
		if err := WritePID(pidFile, cmd.Process.Pid); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return err
		}
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
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if pidFile != "" {
			_ = os.Remove(pidFile)
		}
		return err
	}
	return cmd.Process.Release()
}

// WritePID records pid in file as "PID STARTTIME": the process's start
// time (in clock ticks since boot, /proc/PID/stat) tells it from a later
// process given the same PID. The file is replaced atomically.
func WritePID(file string, pid int) error {
	start, err := StartTime(pid)
	if err != nil {
		return fmt.Errorf("record process %d: %w", pid, err)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d %d\n", pid, start)), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// ReadPID returns the PID file records when that process still runs (a
// zombie does not count), else 0. A file holding only a PID (written by an
// older pod) is taken at its word.
func ReadPID(file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return 0
	}
	st, err := readStat(pid)
	if err != nil || st.state == 'Z' {
		return 0
	}
	if len(f) > 1 {
		want, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil || want != st.start {
			return 0 // the PID was reused
		}
	}
	return pid
}

// StartTime is the time process pid started, in clock ticks after boot:
// with the PID, it names one process for the whole boot.
func StartTime(pid int) (uint64, error) {
	st, err := readStat(pid)
	return st.start, err
}

// Tag names this process for the whole boot, as "PID@STARTTIME": for the
// names of temporary files that the next process may sweep once their
// maker is gone (see TagGone).
func Tag() (string, error) {
	start, err := StartTime(os.Getpid())
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d@%d", os.Getpid(), start), nil
}

// TagGone reports whether the process named by the tag at the start of s
// ("PID@STARTTIME", then anything after a "-"; an older pod's bare "PID-…"
// is judged by its PID alone) is gone. What does not parse as a tag is
// never gone: it is not ours to remove.
func TagGone(s string) bool {
	tag, _, _ := strings.Cut(s, "-")
	pidStr, startStr, withStart := strings.Cut(tag, "@")
	pid, err := strconv.Atoi(pidStr)
	if err != nil || pid <= 0 {
		return false
	}
	if !withStart {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	}
	want, err := strconv.ParseUint(startStr, 10, 64)
	if err != nil {
		return false
	}
	start, err := StartTime(pid)
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	return start != want
}

type procStat struct {
	state byte
	start uint64
}

// readStat reads the state (field 3) and start time (field 22) of
// /proc/PID/stat; the command name before them may hold spaces and
// parentheses, so fields are counted from its closing one.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return procStat{state: f[0][0], start: start}, nil
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
