package main

import (
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pod-engine/pod/pkg/conmon"
	"golang.org/x/sys/unix"
)

// readSize is how much container output one read takes; a line longer than
// this is logged as partial pieces.
const readSize = 8192

// drainGrace bounds the wait for the output pipes to close after the
// container's init exited: processes outside a PID namespace may keep them
// open forever.
const drainGrace = 2 * time.Second

type monitor struct {
	cfg    *conmon.Config
	hub    *hub
	errLog *os.File // opened on first error
	synced bool     // the sync message is sent and fd 4 closed
}

// run is the monitor's life: create, report, copy output, reap, record.
func (m *monitor) run() int {
	cfg := m.cfg
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return m.fail("become subreaper: " + err.Error())
	}
	// Subscribe before anything can exit, so no SIGCHLD goes unnoticed.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGCHLD)
	signal.Ignore(unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGPIPE)

	var log *logWriter
	if cfg.LogDriver != conmon.LogDriverNone {
		var err error
		if log, err = openLog(cfg.LogPath, cfg.LogDriver, cfg.LogMaxSize); err != nil {
			return m.fail(err.Error())
		}
	}
	m.hub = &hub{log: log, stdinOnce: cfg.StdinOnce, clients: map[*client]struct{}{}, errorf: m.errorf}
	if cfg.AttachSocket != "" {
		if err := m.hub.listen(cfg.AttachSocket); err != nil {
			return m.fail(err.Error())
		}
	}

	outR, outW, err := os.Pipe()
	if err != nil {
		return m.fail("pipe: " + err.Error())
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return m.fail("pipe: " + err.Error())
	}
	var inR *os.File
	if cfg.Stdin {
		if inR, m.hub.stdin, err = os.Pipe(); err != nil {
			return m.fail("pipe: " + err.Error())
		}
	} else if inR, err = os.Open(os.DevNull); err != nil {
		return m.fail(err.Error())
	}

	// The runtime's stdio is the container's: the container inherits it.
	proc, err := os.StartProcess(cfg.RuntimeArgv[0], cfg.RuntimeArgv, &os.ProcAttr{
		Env:   cfg.Env,
		Files: []*os.File{inR, outW, errW},
	})
	outW.Close()
	errW.Close()
	inR.Close()
	if err != nil {
		m.hub.close()
		return m.fail("run " + cfg.RuntimeArgv[0] + ": " + err.Error())
	}
	st, err := proc.Wait()
	if err != nil {
		m.hub.close()
		return m.fail("wait for " + cfg.RuntimeArgv[0] + ": " + err.Error())
	}
	if !st.Success() {
		// The runtime killed what it had started, so the pipes reach EOF.
		msg := &conmon.SyncMessage{CreateFailed: true, RuntimeStatus: exitCode(st.Sys().(syscall.WaitStatus))}
		msg.Stderr = readAvailable(errR) + readAvailable(outR)
		m.hub.close()
		m.report(msg)
		return 1
	}
	pid, err := readPidFile(cfg.PidFile)
	if err != nil {
		m.hub.close()
		return m.fail(err.Error())
	}
	oom := watchOOM(pid)

	var pumps sync.WaitGroup
	for _, p := range []struct {
		f      *os.File
		stream byte
	}{{outR, conmon.PacketStdout}, {errR, conmon.PacketStderr}} {
		pumps.Add(1)
		go func() {
			defer pumps.Done()
			m.pump(p.f, p.stream)
		}()
	}
	if m.hub.ln != nil {
		go m.hub.serve()
	}

	if err := m.report(&conmon.SyncMessage{PID: pid, MonitorPID: os.Getpid()}); err != nil {
		// pod is gone before it could start the container; stop it, so
		// the exit path below records it and runs pod's cleanup.
		m.errorf("report to pod: " + err.Error() + "; killing the container")
		unix.Kill(pid, unix.SIGKILL)
	}

	code := exitCode(syscall.WaitStatus(reap(pid, sigs)))
	m.drain(&pumps, outR, errR)

	exit := &conmon.Exit{Code: code, OOMKilled: oom.killed(), FinishedAt: time.Now()}
	if err := writeExit(cfg.ExitFile, exit); err != nil {
		m.errorf(err.Error())
	}
	m.hub.finish(code)
	if log != nil {
		log.close()
	}
	if len(cfg.ExitCommand) > 0 {
		m.runExitCommand()
	}
	return 0
}

// pump copies one output stream to the log and the attach clients until the
// last writer closes it.
func (m *monitor) pump(r *os.File, stream byte) {
	buf := make([]byte, 1+readSize)
	buf[0] = stream
	for {
		n, err := r.Read(buf[1:])
		if n > 0 {
			m.hub.output(buf[:1+n])
		}
		if err != nil {
			return
		}
	}
}

// drain waits for the output pipes to reach EOF, then gives up on writers
// that outlive the container's init.
func (m *monitor) drain(pumps *sync.WaitGroup, pipes ...*os.File) {
	done := make(chan struct{})
	go func() {
		pumps.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(drainGrace):
		for _, p := range pipes {
			p.SetReadDeadline(time.Now())
		}
		<-done
	}
}

// reap collects exited children (the subreaper inherits the container's
// orphans) until the container's init is among them.
func reap(pid int, sigs <-chan os.Signal) unix.WaitStatus {
	for {
		for {
			var ws unix.WaitStatus
			wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil || wpid <= 0 {
				break
			}
			if wpid == pid {
				return ws
			}
		}
		<-sigs
	}
}

// exitCode is the status as a shell reports it.
func exitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

func readPidFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, &os.PathError{Op: "parse pid file", Path: path, Err: unix.EINVAL}
	}
	return pid, nil
}

// readAvailable reads what a pipe holds until EOF or a short grace period.
func readAvailable(f *os.File) string {
	f.SetReadDeadline(time.Now().Add(drainGrace))
	var out []byte
	buf := make([]byte, 4096)
	for len(out) < 64*1024 {
		n, err := f.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
	}
	return string(out)
}

// writeExit writes the exit file atomically: readers see all of it or none.
func writeExit(path string, e *conmon.Exit) error {
	b := make([]byte, 0, 96)
	b = append(b, `{"exitCode":`...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	b = append(b, `,"oomKilled":`...)
	b = strconv.AppendBool(b, e.OOMKilled)
	b = append(b, `,"finishedAt":"`...)
	b = e.FinishedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, "\"}\n"...)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// runExitCommand starts pod's cleanup in its own session and does not wait:
// the monitor exits right after, and the command must not depend on it.
func (m *monitor) runExitCommand() {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		m.errorf(err.Error())
		return
	}
	defer null.Close()
	argv := m.cfg.ExitCommand
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{
		Env:   m.cfg.Env,
		Files: []*os.File{null, null, null},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		m.errorf("run exit command: " + err.Error())
		return
	}
	p.Release()
}

// report sends the one sync message; the descriptor number may be reused
// once it is closed, so never twice.
func (m *monitor) report(msg *conmon.SyncMessage) error {
	if m.synced {
		return nil
	}
	m.synced = true
	return reportSync(msg)
}

// fail reports a monitor error to pod (if it still waits) and the log.
func (m *monitor) fail(msg string) int {
	m.errorf(msg)
	m.report(&conmon.SyncMessage{Error: msg})
	return 1
}

// errorf appends to the monitor's own log; the monitor has no stderr.
func (m *monitor) errorf(msg string) {
	if m.errLog == nil {
		f, err := os.OpenFile(conmon.MonitorLogPath(m.cfg), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return
		}
		m.errLog = f
	}
	b := time.Now().AppendFormat(nil, time.RFC3339Nano)
	b = append(b, " pod-conmon "...)
	b = append(b, m.cfg.ID...)
	b = append(b, ": "...)
	b = append(b, msg...)
	b = append(b, '\n')
	m.errLog.Write(b)
}
