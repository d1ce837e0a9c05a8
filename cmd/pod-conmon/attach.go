package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/pod-engine/pod/pkg/conmon"
	"golang.org/x/sys/unix"
)

// hub fans the container's output out to the log and the attach clients and
// feeds their stdin to the container.
type hub struct {
	log       *logWriter // nil with the "none" driver
	stdinOnce bool
	errorf    func(string)

	ln     *os.File // the listening socket, nil without AttachSocket
	lnPath string

	mu       sync.Mutex // orders output: log and clients see the same sequence
	clients  map[*client]struct{}
	finished bool

	stdinMu sync.Mutex
	stdin   *os.File // write end of the container's stdin; nil when none or closed
}

type client struct {
	f         *os.File
	sentStdin bool // it wrote to the container's stdin
	endedIn   bool // it sent the end of its stdin
}

// listen binds the attach socket. The socket is served only after create,
// but must exist before pod hears that create succeeded.
func (h *hub) listen(path string) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return err
	}
	os.Remove(path)
	err = withShortPath(path, func(p string) error {
		return unix.Bind(fd, &unix.SockaddrUnix{Name: p})
	})
	if err == nil {
		err = unix.Listen(fd, 16)
	}
	if err != nil {
		unix.Close(fd)
		return &os.PathError{Op: "listen", Path: path, Err: err}
	}
	h.ln = os.NewFile(uintptr(fd), path)
	h.lnPath = path
	return nil
}

// withShortPath calls fn with a name for path that fits sun_path.
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

// serve accepts clients until the listener is closed.
func (h *hub) serve() {
	rc, err := h.ln.SyscallConn()
	if err != nil {
		return
	}
	for {
		var nfd int
		var aerr error
		err := rc.Read(func(fd uintptr) bool {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			return aerr != unix.EAGAIN
		})
		if err != nil {
			return // closed
		}
		if aerr != nil {
			if aerr == unix.EMFILE || aerr == unix.ENFILE {
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		c := &client{f: os.NewFile(uintptr(nfd), "attach")}
		h.mu.Lock()
		if h.finished {
			h.mu.Unlock()
			c.f.Close()
			continue
		}
		// Registered before it hears so: everything from now on is its.
		h.clients[c] = struct{}{}
		_, err = c.f.Write([]byte{conmon.PacketReady})
		h.mu.Unlock()
		if err != nil {
			h.drop(c)
			continue
		}
		go h.readClient(c)
	}
}

// output logs one packet of container output and forwards it to every
// client. A client that does not read holds the container back; one that
// went away is dropped.
func (h *hub) output(pkt []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.log != nil {
		if err := h.log.write(pkt[0], pkt[1:], time.Now()); err != nil {
			h.errorf("write log: " + err.Error())
		}
	}
	for c := range h.clients {
		if _, err := c.f.Write(pkt); err != nil {
			delete(h.clients, c)
			c.f.Close()
		}
	}
}

func (h *hub) readClient(c *client) {
	buf := make([]byte, conmon.MaxPacket)
	for {
		n, err := c.f.Read(buf)
		if err != nil || n == 0 {
			break
		}
		switch buf[0] {
		case conmon.PacketStdin:
			if n == 1 {
				c.endedIn = true
				h.endStdin()
				continue
			}
			c.sentStdin = true
			h.writeStdin(buf[1:n])
		case conmon.PacketResize:
			// No terminal support yet: nothing to resize.
		}
	}
	h.drop(c)
	if c.sentStdin && !c.endedIn {
		h.endStdin()
	}
}

func (h *hub) drop(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.f.Close()
}

func (h *hub) writeStdin(b []byte) {
	h.stdinMu.Lock()
	defer h.stdinMu.Unlock()
	if h.stdin != nil {
		// EPIPE: the container closed its stdin; nothing to do.
		h.stdin.Write(b)
	}
}

// endStdin closes the container's stdin if it is to end with the first
// client's; otherwise the next client may go on writing.
func (h *hub) endStdin() {
	if !h.stdinOnce {
		return
	}
	h.stdinMu.Lock()
	defer h.stdinMu.Unlock()
	if h.stdin != nil {
		h.stdin.Close()
		h.stdin = nil
	}
}

// finish tells every client the exit code and closes everything.
func (h *hub) finish(code int) {
	h.mu.Lock()
	h.finished = true
	pkt := []byte{conmon.PacketExit, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(pkt[1:], uint32(int32(code)))
	for c := range h.clients {
		c.f.Write(pkt)
		c.f.Close()
		delete(h.clients, c)
	}
	h.mu.Unlock()
	h.close()
}

// close stops listening and closes the container's stdin.
func (h *hub) close() {
	if h.ln != nil {
		h.ln.Close()
		os.Remove(h.lnPath)
	}
	h.stdinMu.Lock()
	if h.stdin != nil {
		h.stdin.Close()
		h.stdin = nil
	}
	h.stdinMu.Unlock()
}
