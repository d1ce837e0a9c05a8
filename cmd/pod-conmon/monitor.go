package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

// readSize is how much container output one read takes; a line longer than
// this is logged as partial pieces.
const readSize = 8192

// drainGrace bounds the wait for the output pipes to close after the
// container's init exited (processes outside a PID namespace may keep them
// open forever), and for the runtime's error output after a failed create.
const drainGrace = 2 * time.Second

// logSink is where container output is logged: a log file (logWriter) or
// the journal (journalWriter).
type logSink interface {
	write(stream byte, data []byte, now time.Time) error
	close()
}

// monitor is one container's monitor. After create it runs a single
// goroutine around epoll on raw descriptors: no runtime poller, no
// os/signal, so the Go runtime needs no more than a couple of threads (each
// costs ~48 KiB of stacks) and the steady state allocates nothing.
type monitor struct {
	cfg    *protocol.Config
	log    logSink  // nil with the "none" driver
	errLog *os.File // the monitor's own error log, opened on first error
	synced bool     // the sync message is sent and fd 4 closed

	epfd    int
	out     int // read end of the container's stdout; -1 once at EOF
	errp    int // read end of the container's stderr; -1 once at EOF
	term    int // master of the container's terminal; -1 when none or at its end
	console int // listening console socket until the terminal arrived; -1 otherwise
	pidfd   int // the container's init, readable when it exits; -1 after
	ln      int // listening attach socket; -1 when none
	notify  int // the container's NOTIFY_SOCKET (--sdnotify=container); -1 when none
	clients map[int]*client
	stdin   stdinPipe
	buf     []byte // MaxPacket long; the loop handles one event at a time, so one buffer serves all
	health  healthTimer
	oom     oomWatch
}

// run is the monitor's life: create, report, copy output, reap, record.
func (m *monitor) run() int {
	cfg := m.cfg
	m.out, m.errp, m.term, m.console, m.pidfd, m.ln, m.epfd, m.notify = -1, -1, -1, -1, -1, -1, -1, -1
	m.stdin = stdinPipe{fd: -1, once: cfg.StdinOnce}
	m.health = healthTimer{fd: -1}
	m.oom = oomWatch{ino: -1}
	m.clients = map[int]*client{}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return m.fail("become subreaper: " + err.Error())
	}
	if cfg.NotifyProxy != "" && cfg.NotifySocket != "" {
		// Before the runtime runs: the container may notify at once, and
		// its datagrams wait in the socket until the loop reads them,
		// after the monitor's own MAINPID.
		fd, err := openNotifyProxy(cfg.NotifyProxy)
		if err != nil {
			return m.fail("sd_notify proxy " + cfg.NotifyProxy + ": " + err.Error())
		}
		m.notify = fd
	}
	switch cfg.LogDriver {
	case protocol.LogDriverNone:
	case protocol.LogDriverJournald:
		j, err := openJournal(cfg, protocol.JournalSocket)
		if err != nil {
			return m.fail("log driver journald: " + err.Error())
		}
		m.log = j
	default:
		l, err := openLog(cfg.LogPath, cfg.LogDriver, cfg.LogMaxSize)
		if err != nil {
			return m.fail(err.Error())
		}
		m.log = l
	}
	if cfg.AttachSocket != "" {
		if err := m.listen(cfg.AttachSocket); err != nil {
			return m.fail(err.Error())
		}
	}
	if cfg.Terminal {
		if err := m.listenConsole(cfg.ConsoleSocket); err != nil {
			m.closeAll()
			return m.fail(err.Error())
		}
	}

	if cfg.Client {
		// pod's own connection, made before the runtime runs, so all of
		// the process's output finds it registered.
		if err := unix.SetNonblock(protocol.ClientFD, true); err != nil {
			m.closeAll()
			return m.fail("attach client: " + err.Error())
		}
		m.clients[protocol.ClientFD] = &client{fd: protocol.ClientFD, cleans: cfg.ClientCleans}
	}

	// The runtime's stdio is the container's: the container inherits it.
	var outP, errP, inP [2]int
	if err := unix.Pipe2(outP[:], unix.O_CLOEXEC); err != nil {
		return m.fail("pipe: " + err.Error())
	}
	if err := unix.Pipe2(errP[:], unix.O_CLOEXEC); err != nil {
		return m.fail("pipe: " + err.Error())
	}
	// With a terminal the container's stdio is the terminal; the pipes
	// then only carry the runtime's own messages.
	if cfg.Stdin && !cfg.Terminal {
		if err := unix.Pipe2(inP[:], unix.O_CLOEXEC); err != nil {
			return m.fail("pipe: " + err.Error())
		}
		m.stdin.fd = inP[1]
	} else {
		fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return m.fail(err.Error())
		}
		inP[0] = fd
	}
	m.out, m.errp = outP[0], errP[0]
	var (
		pid int
		err error
	)
	files := []uintptr{uintptr(inP[0]), uintptr(outP[1]), uintptr(errP[1])}
	// The descriptors pod passes on arrived last; the runtime takes them
	// at 3 and up (its argv says --preserve-fds).
	passed := protocolFDs() - cfg.PreserveFDs
	if cfg.PreserveFDs > 0 && passed <= syncFD {
		m.closeAll()
		return m.fail("config: more descriptors to pass on than were handed down")
	}
	for fd := passed; cfg.PreserveFDs > 0 && fd < protocolFDs(); fd++ {
		files = append(files, uintptr(fd))
	}
	runtimeStart := time.Now()
	withDefaultSignals(func() {
		pid, err = syscall.ForkExec(cfg.RuntimeArgv[0], cfg.RuntimeArgv, &syscall.ProcAttr{
			Env:   cfg.Env,
			Files: files,
		})
	})
	unix.Close(inP[0])
	unix.Close(outP[1])
	unix.Close(errP[1])
	// The container holds them now (or never will): the monitor does not
	// keep a listening socket open for the container's lifetime.
	for fd := passed; cfg.PreserveFDs > 0 && fd < protocolFDs(); fd++ {
		unix.Close(fd)
	}
	if err != nil {
		m.closeAll()
		return m.fail("run " + cfg.RuntimeArgv[0] + ": " + err.Error())
	}
	var ws unix.WaitStatus
	for {
		_, err = unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		m.closeAll()
		return m.fail("wait for " + cfg.RuntimeArgv[0] + ": " + err.Error())
	}
	runtimeTime := time.Since(runtimeStart)
	if !ws.Exited() || ws.ExitStatus() != 0 {
		// The runtime killed what it had started, so the pipes reach EOF.
		msg := &protocol.SyncMessage{CreateFailed: true, RuntimeStatus: exitCode(ws)}
		msg.Stderr = readUntilEOF(m.errp) + readUntilEOF(m.out)
		m.closeAll()
		m.report(msg)
		return 1
	}

	// Before the monitor reads any output into the log, which may fill
	// the filesystem.
	exitFD := reserveExit(cfg.ExitFile)
	ctr, err := readPidFile(cfg.PidFile)
	if err == nil && cfg.Terminal {
		err = m.receiveTerminal()
	}
	if err == nil {
		m.pidfd, err = unix.PidfdOpen(ctr, 0)
	}
	if err == nil {
		err = m.setupEpoll()
	}
	if err != nil {
		m.closeAll()
		return m.fail(err.Error())
	}
	m.oom = watchOOM(ctr, m.buf)
	if m.oom.ino >= 0 {
		if err := m.watch(m.oom.ino, unix.EPOLLIN); err != nil {
			m.oom.close()
		}
	}

	if err := m.report(&protocol.SyncMessage{PID: ctr, MonitorPID: os.Getpid(), RuntimeNanos: int64(runtimeTime)}); err != nil {
		// pod is gone before it could start the container: stop it, so
		// the exit path below records it and runs pod's cleanup.
		m.errorf("report to pod: " + err.Error() + "; killing the container")
		unix.Kill(ctr, unix.SIGKILL)
	} else if cfg.NotifySocket != "" {
		if err := sdNotify(cfg.NotifySocket, cfg.NotifyReady); err != nil {
			m.errorf("sd_notify " + cfg.NotifySocket + ": " + err.Error())
		}
	}

	dropStartupText(m.buf)
	code := m.loop(ctr)

	exit := protocol.AppendExit(nil, code, m.oom.killed(m.buf), time.Now().UTC())
	m.oom.close()
	if m.log != nil {
		m.log.close()
	}
	if err := writeExit(cfg.ExitFile, exit, exitFD); err != nil {
		m.errorf("write exit file: " + err.Error())
	}
	cleaner := m.finish(code)
	m.closeAll()
	if cleaner >= 0 && m.waitCleaner(cleaner) {
		return 0
	}
	if len(cfg.ExitCommand) > 0 {
		m.runExitCommand()
	}
	return 0
}

func (m *monitor) setupEpoll() error {
	var err error
	if m.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return err
	}
	for _, fd := range []int{m.out, m.errp, m.term} {
		if fd < 0 {
			continue
		}
		if err := unix.SetNonblock(fd, true); err != nil {
			return err
		}
	}
	if m.stdin.fd >= 0 {
		if err := unix.SetNonblock(m.stdin.fd, true); err != nil {
			return err
		}
	}
	for _, fd := range []int{m.out, m.errp, m.term, m.pidfd, m.ln, m.notify} {
		if fd >= 0 {
			if err := m.watch(fd, unix.EPOLLIN); err != nil {
				return err
			}
		}
	}
	// pod's client, connected before the runtime ran (Config.Client).
	for fd := range m.clients {
		if err := m.watch(fd, unix.EPOLLIN); err != nil {
			return err
		}
	}
	return nil
}

func (m *monitor) watch(fd int, events uint32) error {
	return unix.EpollCtl(m.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: events, Fd: int32(fd)})
}

func (m *monitor) rewatch(fd int, events uint32) {
	unix.EpollCtl(m.epfd, unix.EPOLL_CTL_MOD, fd, &unix.EpollEvent{Events: events, Fd: int32(fd)})
}

func (m *monitor) unwatch(fd int) {
	unix.EpollCtl(m.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// closeAll releases every descriptor the monitor holds; the attach socket
// goes with it.
func (m *monitor) closeAll() {
	m.closeConsole()
	for _, fd := range []*int{&m.out, &m.errp, &m.term, &m.pidfd, &m.ln, &m.epfd, &m.stdin.fd, &m.notify} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
	if m.cfg.AttachSocket != "" {
		os.Remove(m.cfg.AttachSocket)
	}
}

// exitCode is the status as a shell reports it.
func exitCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

func readPidFile(path string) (int, error) {
	var buf [32]byte
	b, err := readSmall(path, buf[:])
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, &os.PathError{Op: "parse pid file", Path: path, Err: unix.EINVAL}
	}
	return pid, nil
}

// readUntilEOF reads a (blocking) pipe to EOF, giving up after drainGrace.
func readUntilEOF(fd int) string {
	deadline := time.Now().Add(drainGrace)
	var out []byte
	buf := make([]byte, 4096)
	for len(out) < 64*1024 {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, int(left/time.Millisecond)+1); err == unix.EINTR {
			continue
		} else if n <= 0 {
			break
		}
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			break
		}
		out = append(out, buf[:n]...)
	}
	return string(out)
}

// writeAtomic writes the exit file so that readers see all of it or none.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// waitCleaner waits for the client that does the exit command's work
// (Config.ClientCleans) to say it is done, and reports whether it did. It
// returns false when the client hangs up first (pod was killed, or failed):
// then the exit command must run after all.
func (m *monitor) waitCleaner(fd int) bool {
	defer unix.Close(fd)
	buf := make([]byte, protocol.MaxPacket)
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil && err != unix.EINTR {
			return false
		}
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
		case err != nil || n <= 0:
			return false
		case buf[0] == protocol.PacketDone:
			return true
		}
		// Anything else (stdin sent after the end) is of no use now.
	}
}

// runExitCommand starts pod's cleanup in its own session and does not wait:
// the monitor exits right after, and the command must not depend on it.
func (m *monitor) runExitCommand() {
	null, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		m.errorf(err.Error())
		return
	}
	defer unix.Close(null)
	argv := m.cfg.ExitCommand
	_, err = syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env:   m.cfg.Env,
		Files: []uintptr{uintptr(null), uintptr(null), uintptr(null)},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		m.errorf("run exit command: " + err.Error())
	}
}

// report sends the one sync message; the descriptor number may be reused
// once it is closed, so never twice.
func (m *monitor) report(msg *protocol.SyncMessage) error {
	if m.synced {
		return nil
	}
	m.synced = true
	return reportSync(msg)
}

// fail reports a monitor error to pod (if it still waits) and the log.
func (m *monitor) fail(msg string) int {
	m.errorf(msg)
	m.report(&protocol.SyncMessage{Error: msg})
	return 1
}

// errorf appends to the monitor's own log; the monitor has no stderr.
func (m *monitor) errorf(msg string) {
	if m.errLog == nil {
		f, err := os.OpenFile(m.cfg.MonitorLogPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
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
