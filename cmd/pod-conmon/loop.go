package main

import (
	"encoding/binary"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

// client is one attach connection.
type client struct {
	fd        int
	sentStdin bool // it wrote to the container's stdin
	endedIn   bool // it sent the end of its stdin
	cleans    bool // it does the exit command's work (Config.ClientCleans)
}

// stdinPipe is the write end of the container's stdin. It is non-blocking:
// when the container does not read, data waits in pending and the clients
// are not read from, so the loop never stops copying output.
type stdinPipe struct {
	fd           int // -1 when none or closed
	once         bool
	pending      []byte
	closePending bool // close once pending is written
}

// orphanPoll is how often the loop looks for the status of an init that
// exited while still the child of the runtime's intermediate process, and
// orphanWait how long it waits for that process to exit and hand the init
// over: runtimes exit their intermediate right after the init started, but
// a loaded machine (or an emulated one) can stretch that to seconds.
const (
	orphanPoll = 10 // milliseconds
	orphanWait = 30 * time.Second
)

// loop serves the container until its init has exited and its output is
// drained, and returns the exit code.
func (m *monitor) loop(ctr int) int {
	var events [16]unix.EpollEvent
	code := -1
	var deadline time.Time
	var killAt time.Time
	// orphanSince is when the init's pidfd reported its exit while it was
	// not yet the monitor's child to reap; zero otherwise.
	var orphanSince time.Time
	if m.cfg.Timeout > 0 {
		killAt = time.Now().Add(m.cfg.Timeout)
	}
	for {
		exited := false
		timeout := m.healthTimeout()
		if !killAt.IsZero() && m.pidfd >= 0 {
			left := int(time.Until(killAt)/time.Millisecond) + 1
			if left <= 0 {
				// --timeout: the container's time is up.
				if err := unix.PidfdSendSignal(m.pidfd, unix.SIGKILL, nil, 0); err != nil {
					m.errorf("--timeout: kill the container: " + err.Error())
				}
				killAt = time.Time{}
			} else if timeout < 0 || left < timeout {
				timeout = left
			}
		}
		if !orphanSince.IsZero() {
			// No signal says when the zombie is handed over (the
			// monitor keeps SIGCHLD out of its loop): look again soon.
			if timeout < 0 || timeout > orphanPoll {
				timeout = orphanPoll
			}
		}
		if m.pidfd < 0 {
			if m.out < 0 && m.errp < 0 && m.term < 0 {
				break
			}
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			timeout = int(left/time.Millisecond) + 1
		}
		n, err := unix.EpollWait(m.epfd, events[:], timeout)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			m.errorf("epoll_wait: " + err.Error())
			break
		}
		for i := 0; i < n; i++ {
			switch fd := int(events[i].Fd); {
			case fd == m.out && fd >= 0:
				m.readOutput(&m.out, protocol.PacketStdout)
			case fd == m.errp && fd >= 0:
				m.readOutput(&m.errp, protocol.PacketStderr)
			case fd == m.term && fd >= 0:
				// EIO once the container's side is closed: the end.
				m.readOutput(&m.term, protocol.PacketStdout)
			case fd == m.ln && fd >= 0:
				m.accept()
			case fd == m.stdin.fd && fd >= 0:
				m.flushStdin()
			case fd == m.pidfd && fd >= 0:
				exited = true
				// Before the cgroup can go: see oomWatch.ino.
				m.oom.check(m.buf)
			case fd == m.oom.ino && fd >= 0:
				m.oom.changed(m.buf)
			case fd == m.health.fd && fd >= 0:
				m.healthDone()
			case fd == m.notify && fd >= 0:
				if err := forwardNotify(m.notify, m.cfg.NotifySocket, m.buf); err != nil {
					m.errorf("sd_notify " + m.cfg.NotifySocket + ": " + err.Error())
				}
			default:
				if c := m.clients[fd]; c != nil {
					m.readClient(c)
				}
			}
		}
		if m.pidfd >= 0 {
			m.healthTick()
		}
		// The subreaper inherits the container's orphans: collect them
		// all, the container's init among them.
		st, ok := reap(ctr)
		if exited && !ok && m.pidfd >= 0 {
			// Its pidfd says it exited, but it is not (yet) the
			// monitor's child: runtimes that start the init from an
			// intermediate process (crun's create forks one, which
			// forks the init) leave it the child of that process
			// until it exits too, and only then is the zombie handed
			// to the subreaper. Asking wait4 for it now fails with
			// ECHILD and its status would be lost; instead poll
			// until it is reparented (see orphanWait).
			m.unwatch(m.pidfd)
			orphanSince = time.Now()
		}
		if ok && m.pidfd >= 0 {
			code = exitCode(st)
			if !orphanSince.IsZero() {
				orphanSince = time.Time{}
			} else {
				m.unwatch(m.pidfd)
			}
			unix.Close(m.pidfd)
			m.pidfd = -1
			deadline = time.Now().Add(drainGrace)
		} else if !orphanSince.IsZero() && time.Since(orphanSince) > orphanWait {
			// Its parent outlived it for good (it is not a descendant
			// of the monitor after all): the status cannot be had.
			m.errorf("collect the exit status of " + strconv.Itoa(ctr) + ": it exited but was never handed to the monitor")
			code = 255
			unix.Close(m.pidfd)
			m.pidfd = -1
			orphanSince = time.Time{}
			deadline = time.Now().Add(drainGrace)
		}
	}
	return code
}

// reap collects exited children without blocking and reports the status
// of ctr if it was among them.
func reap(ctr int) (unix.WaitStatus, bool) {
	var status unix.WaitStatus
	found := false
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return status, found
		}
		if pid == ctr {
			status, found = ws, true
		}
	}
}

// readOutput takes one read of container output to the log and the clients.
func (m *monitor) readOutput(fdp *int, stream byte) {
	m.buf[0] = stream
	n, err := unix.Read(*fdp, m.buf[1:1+readSize])
	if n > 0 {
		m.output(m.buf[:1+n])
	}
	if n == 0 || (err != nil && err != unix.EAGAIN && err != unix.EINTR) {
		m.unwatch(*fdp)
		unix.Close(*fdp)
		*fdp = -1
	}
}

// output logs one packet of container output and forwards it to every
// client. Logging never waits for clients; a client that does not read holds
// the container's output back (as docker attach does), one that went away is
// dropped.
func (m *monitor) output(pkt []byte) {
	if m.log != nil {
		if err := m.log.write(pkt[0], pkt[1:], time.Now()); err != nil {
			m.errorf("write log: " + err.Error())
		}
	}
	for _, c := range m.clients {
		if !send(c.fd, pkt) {
			m.drop(c)
		}
	}
}

// send writes one packet, waiting while the client's socket buffer is full.
func send(fd int, pkt []byte) bool {
	for {
		err := unix.Sendto(fd, pkt, unix.MSG_NOSIGNAL, nil)
		switch err {
		case nil:
			return true
		case unix.EINTR:
		case unix.EAGAIN:
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			unix.Poll(pfd, -1)
		default:
			return false
		}
	}
}

// listen binds the attach socket. It is served only after create but exists
// before pod hears that create succeeded.
func (m *monitor) listen(path string) error {
	fd, err := listenSocket(path, unix.SOCK_SEQPACKET)
	if err != nil {
		return err
	}
	m.ln = fd
	return nil
}

// listenSocket binds a non-blocking unix socket of type typ at path.
func listenSocket(path string, typ int) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, err
	}
	unix.Unlink(path)
	err = withShortPath(path, func(p string) error {
		return unix.Bind(fd, &unix.SockaddrUnix{Name: p})
	})
	if err == nil {
		err = unix.Listen(fd, 16)
	}
	if err != nil {
		unix.Close(fd)
		return -1, &pathError{"listen on " + path, err}
	}
	return fd, nil
}

type pathError struct {
	op  string
	err error
}

func (e *pathError) Error() string { return e.op + ": " + e.err.Error() }

// withShortPath calls fn with a name for path that fits sun_path (108
// bytes): long paths go through /proc/self/fd of their directory.
func withShortPath(path string, fn func(string) error) error {
	if len(path) < 100 {
		return fn(path)
	}
	dfd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	return fn("/proc/self/fd/" + strconv.Itoa(dfd) + "/" + filepath.Base(path))
}

func (m *monitor) accept() {
	for {
		fd, _, err := unix.Accept4(m.ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			return
		}
		c := &client{fd: fd}
		var events uint32 = unix.EPOLLIN
		if len(m.stdin.pending) > 0 {
			events = 0 // stdin is full: read no client until it drains
		}
		if m.watch(fd, events) != nil {
			unix.Close(fd)
			continue
		}
		// Registered before it hears so: all output from now on is its.
		m.clients[fd] = c
		if !send(fd, []byte{protocol.PacketReady}) {
			m.drop(c)
		}
	}
}

func (m *monitor) drop(c *client) {
	m.unwatch(c.fd)
	unix.Close(c.fd)
	delete(m.clients, c.fd)
}

// readClient takes one packet from a client.
func (m *monitor) readClient(c *client) {
	n, err := unix.Read(c.fd, m.buf)
	if err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	if n <= 0 || err != nil {
		m.drop(c)
		// A client that fed stdin and vanished has ended it.
		if c.sentStdin && !c.endedIn {
			m.endStdin()
		}
		return
	}
	switch m.buf[0] {
	case protocol.PacketStdin:
		if n == 1 {
			c.endedIn = true
			m.endStdin()
			return
		}
		c.sentStdin = true
		m.writeStdin(m.buf[1:n])
	case protocol.PacketResize:
		m.resize(m.buf[1:n])
	case protocol.PacketDetach:
		// Leaving with the detach keys keeps the container's stdin open
		// for the next client, even with StdinOnce.
		c.sentStdin = false
		m.drop(c)
	}
}

func (m *monitor) writeStdin(b []byte) {
	s := &m.stdin
	if s.fd < 0 {
		return
	}
	if len(s.pending) > 0 {
		s.pending = append(s.pending, b...)
		return
	}
	for len(b) > 0 {
		n, err := unix.Write(s.fd, b)
		if n > 0 {
			b = b[n:]
		}
		switch {
		case err == nil || err == unix.EINTR:
		case err == unix.EAGAIN:
			s.pending = append(s.pending[:0], b...)
			m.pauseClients(true)
			return
		default: // EPIPE: the container closed its stdin
			m.closeStdin()
			return
		}
	}
}

// flushStdin writes pending stdin once the pipe has room.
func (m *monitor) flushStdin() {
	s := &m.stdin
	for len(s.pending) > 0 {
		n, err := unix.Write(s.fd, s.pending)
		if n > 0 {
			s.pending = s.pending[n:]
		}
		if err == unix.EAGAIN {
			return
		}
		if err != nil && err != unix.EINTR {
			break
		}
	}
	s.pending = nil
	m.pauseClients(false)
	if s.closePending {
		m.closeStdin()
	}
}

// pauseClients stops reading clients while stdin is full and waits for the
// pipe to take data instead; resuming undoes both.
func (m *monitor) pauseClients(pause bool) {
	var events uint32 = unix.EPOLLIN
	if pause {
		events = 0
		m.watch(m.stdin.fd, unix.EPOLLOUT)
	} else if m.stdin.fd >= 0 {
		m.unwatch(m.stdin.fd)
	}
	for fd := range m.clients {
		m.rewatch(fd, events)
	}
}

// endStdin closes the container's stdin if it is to end with the first
// client's; otherwise the next client may go on writing.
func (m *monitor) endStdin() {
	s := &m.stdin
	if !s.once || s.fd < 0 {
		return
	}
	if len(s.pending) > 0 {
		s.closePending = true
		return
	}
	m.closeStdin()
}

func (m *monitor) closeStdin() {
	s := &m.stdin
	if s.fd < 0 {
		return
	}
	if len(s.pending) > 0 {
		m.pauseClients(false)
	}
	m.unwatch(s.fd)
	unix.Close(s.fd)
	s.fd, s.pending = -1, nil
}

// finish tells every client the exit code and hangs up, except on the one
// that does the exit command's work, if it is still there: it returns that
// one's descriptor, or -1.
func (m *monitor) finish(code int) int {
	pkt := []byte{protocol.PacketExit, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(pkt[1:], uint32(int32(code)))
	cleaner := -1
	for _, c := range m.clients {
		if send(c.fd, pkt) && c.cleans && len(m.cfg.ExitCommand) > 0 {
			m.unwatch(c.fd)
			delete(m.clients, c.fd)
			cleaner = c.fd
			continue
		}
		m.drop(c)
	}
	return cleaner
}
