package conmon

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is a connection to a monitor's attach socket.
type Conn struct {
	f *os.File

	wmu       sync.Mutex // one packet at a time
	exitCode  int
	gotExit   bool
	closeOnce sync.Once
	detached  atomic.Bool // stdin's reader returned ErrDetached
}

// Dial connects to a monitor's attach socket and returns once the monitor has
// registered the connection: every output the container produces from then on
// is for this connection (the monitor waits for it to be read), so dialling
// before the runtime's start and copying after it loses nothing.
func Dial(ctx context.Context, socket string) (*Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("attach %s: socket: %w", socket, err)
	}
	err = withShortPath(socket, func(p string) error {
		return unix.Connect(fd, &unix.SockaddrUnix{Name: p})
	})
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("attach %s: %w", socket, err)
	}
	// A non-blocking descriptor makes os.File use the runtime poller, which
	// gives deadlines and so cancellation.
	c := &Conn{f: os.NewFile(uintptr(fd), socket)}
	stop := context.AfterFunc(ctx, func() { c.f.SetReadDeadline(time.Now()) })
	var hello [8]byte
	n, err := c.f.Read(hello[:])
	stop()
	if err == nil && (n < 1 || hello[0] != PacketReady) {
		err = fmt.Errorf("unexpected packet type %d", hello[0])
	}
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("attach %s: wait for monitor: %w", socket, err)
	}
	c.f.SetReadDeadline(time.Time{})
	return c, nil
}

// withShortPath calls fn with a name for path that fits sun_path (108 bytes):
// long paths go through /proc/self/fd of their directory.
func withShortPath(path string, fn func(string) error) error {
	if len(path) < 100 {
		return fn(path)
	}
	dfd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: filepath.Dir(path), Err: err}
	}
	defer unix.Close(dfd)
	return fn(fmt.Sprintf("/proc/self/fd/%d/%s", dfd, filepath.Base(path)))
}

// Copy copies the container's stdout and stderr to the writers (stderr nil:
// merged into stdout) and stdin, when not nil, to the container; the end of
// stdin is passed on as such. It returns nil when the container's output
// ended (the container exited), ErrDetached when stdin's reader returned it
// (see NewDetachReader; the container goes on running), or ctx's error. A Read of stdin that is in
// progress when Copy returns is abandoned, not interrupted.
func (c *Conn) Copy(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = stdout
	}
	stop := context.AfterFunc(ctx, func() { c.f.SetDeadline(time.Now()) })
	defer stop()

	if stdin != nil {
		go c.copyStdin(stdin)
	}
	buf := make([]byte, MaxPacket)
	reset := false
	for {
		n, err := c.f.Read(buf)
		if err != nil {
			if c.detached.Load() {
				return ErrDetached
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, unix.ECONNRESET) && !reset {
				// The monitor hung up with packets of ours unread (the
				// container ended before it read the end of our stdin).
				// The kernel reports that once, ahead of the packets still
				// queued for us — the output and the exit code: read on.
				reset = true
				continue
			}
			if errors.Is(err, io.EOF) || errors.Is(err, unix.ECONNRESET) {
				return nil
			}
			return fmt.Errorf("attach: read: %w", err)
		}
		if n == 0 {
			return nil
		}
		switch buf[0] {
		case PacketStdout:
			_, err = stdout.Write(buf[1:n])
		case PacketStderr:
			_, err = stderr.Write(buf[1:n])
		case PacketExit:
			if n >= 5 {
				c.exitCode = int(int32(binary.BigEndian.Uint32(buf[1:5])))
				c.gotExit = true
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("attach: write output: %w", err)
		}
	}
}

func (c *Conn) copyStdin(r io.Reader) {
	buf := make([]byte, MaxPacket)
	buf[0] = PacketStdin
	for {
		n, err := r.Read(buf[1:])
		if n > 0 {
			if werr := c.send(buf[:1+n]); werr != nil {
				return
			}
		}
		if errors.Is(err, ErrDetached) {
			// Leave without ending the container's stdin, and stop Copy.
			c.detached.Store(true)
			c.send([]byte{PacketDetach})
			c.f.SetReadDeadline(time.Now())
			return
		}
		if err != nil {
			c.send(buf[:1]) // end of stdin
			return
		}
	}
}

func (c *Conn) send(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.f.Write(p)
	return err
}

// Resize asks for a terminal size. Monitors without terminal support ignore
// it.
func (c *Conn) Resize(rows, cols uint16) error {
	p := []byte{PacketResize, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(p[1:], rows)
	binary.BigEndian.PutUint16(p[3:], cols)
	return c.send(p)
}

// ExitCode is the container's exit code when Copy ended because the
// container exited and the monitor said with which code.
func (c *Conn) ExitCode() (int, bool) {
	return c.exitCode, c.gotExit
}

// Close closes the connection. The monitor treats it as this client's stdin
// ending if it had sent any.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.f.Close() })
	return err
}

// Done tells the monitor that the caller did the exit command's work
// (Config.ClientCleans), after the container's exit; the monitor then exits
// without running it. Close the Conn afterwards.
func (c *Conn) Done() error {
	return c.send([]byte{PacketDone})
}
