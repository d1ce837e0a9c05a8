package engine

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sirupsen/logrus"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/specgen"
)

// notifySocketEnv names the sd_notify socket in a container's environment
// (--sdnotify=container).
const notifySocketEnv = "NOTIFY_SOCKET"

// notifyMode is what the monitor tells the service manager that started
// pod (Options.NotifySocket): with --sdnotify=conmon (the default) MAINPID
// and READY=1; with container MAINPID only (the container's process sends
// READY=1); with healthy MAINPID only (the first passing healthcheck sends
// READY=1, see notifyHealthy); with ignore nothing.
func (r *Runtime) notifyMode(cfg *ContainerConfig) (socket string, ready bool) {
	socket = r.opts.NotifySocket
	switch cfg.SdNotifyMode {
	case "ignore":
		return "", false
	case "container", "healthy":
		return socket, false
	}
	return socket, socket != ""
}

// notifyProxyDir, in the container's userdata, holds the socket the
// container sees as its NOTIFY_SOCKET (--sdnotify=container): the monitor
// binds it and passes what arrives on to the service manager as the
// unit's main process (systemd takes notifications only from the unit's
// processes, and the container runs in a cgroup of its own).
func notifyProxyDir(userdata string) string { return filepath.Join(userdata, "notify") }

// notifyProxyPath is the proxy socket itself.
func notifyProxyPath(userdata string) string {
	return filepath.Join(notifyProxyDir(userdata), filepath.Base(specgen.NotifySocketInContainer))
}

// notifyMount makes the proxy's directory and binds it where the
// container's NOTIFY_SOCKET points. Its mode lets the container's user,
// whoever that is, reach the socket.
func notifyMount(userdata string) (specs.Mount, error) {
	dir := notifyProxyDir(userdata)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return specs.Mount{}, fmt.Errorf("--sdnotify=container: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return specs.Mount{}, fmt.Errorf("--sdnotify=container: %w", err)
	}
	return specs.Mount{Destination: filepath.Dir(specgen.NotifySocketInContainer), Type: "bind", Source: dir, Options: []string{"bind"}}, nil
}

// sdNotifyMode is the --sdnotify mode as podman's inspect shows it.
func sdNotifyMode(stored string) string {
	if stored == "" {
		return "conmon"
	}
	return stored
}

// notifyStarted sends, for a container the runtime has just started whose
// monitor started earlier, what that monitor would have sent: MAINPID (the
// monitor) and, with --sdnotify=conmon, READY=1 (the sd_notify protocol:
// one datagram of KEY=VALUE lines to NOTIFY_SOCKET).
func (r *Runtime) notifyStarted(c *Container) {
	socket, ready := r.notifyMode(c.Config)
	if socket == "" || c.MonitorPID <= 0 {
		return
	}
	msg := "MAINPID=" + strconv.Itoa(c.MonitorPID) + "\n"
	if ready {
		msg += "READY=1\n"
	}
	addr := &net.UnixAddr{Name: socket, Net: "unixgram"}
	conn, err := net.DialUnix("unixgram", nil, addr)
	if err == nil {
		_, err = conn.Write([]byte(msg))
		conn.Close()
	}
	if err != nil {
		logrus.Warnf("container %s: sd_notify %s: %v", shortID(c.ID), socket, err)
	}
}

// healthyNotifyFile, in the container's run directory, names the notify
// socket that --sdnotify=healthy still owes READY=1 in this run: written
// at start, removed by the healthcheck that sends it (once).
const healthyNotifyFile = "notify-healthy"

// awaitHealthy records, at start, that the container's first passing
// healthcheck is to tell socket the service is ready.
func (r *Runtime) awaitHealthy(c *Container, runDir string) error {
	socket, _ := r.notifyMode(c.Config)
	path := filepath.Join(runDir, healthyNotifyFile)
	if c.Config.SdNotifyMode != "healthy" || socket == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return os.WriteFile(path, []byte(socket), 0o600)
}

// notifyHealthy sends READY=1 for a --sdnotify=healthy container whose
// healthcheck has just passed, if this run still owes it: the one caller
// that removes the record sends it. It waits for the manager to have read
// the message (sd_notify's barrier), so that the message is not dropped
// for coming from a process that exited before it was read.
func (r *Runtime) notifyHealthy(c *Container) {
	st, err := r.storage()
	if err != nil {
		return
	}
	runDir, err := st.ContainerRunDirectory(c.ID)
	if err != nil {
		return
	}
	path := filepath.Join(runDir, healthyNotifyFile)
	b, err := os.ReadFile(path)
	if err != nil || os.Remove(path) != nil {
		return // not owed, or another healthcheck took it
	}
	if err := sdNotifyBarrier(string(b), "READY=1\n", 5*time.Second); err != nil {
		logrus.Warnf("container %s: sd_notify %s: %v", shortID(c.ID), b, err)
	}
}

// sdNotifyBarrier sends msg to the notify socket, then BARRIER=1 with the
// write end of a pipe, and waits until the manager closes it (it has
// processed everything sent before), or for timeout.
func sdNotifyBarrier(socket, msg string, timeout time.Duration) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(msg)); err != nil {
		return err
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	rd := os.NewFile(uintptr(p[0]), "barrier")
	defer rd.Close()
	_, _, err = conn.WriteMsgUnix([]byte("BARRIER=1\n"), unix.UnixRights(p[1]), nil)
	unix.Close(p[1])
	if err != nil {
		return err
	}
	rd.SetReadDeadline(time.Now().Add(timeout))
	var buf [1]byte
	if _, err := rd.Read(buf[:]); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("barrier: %w", err)
	}
	return nil
}
