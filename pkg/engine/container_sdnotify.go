package engine

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

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
// READY=1); with ignore nothing.
func (r *Runtime) notifyMode(cfg *ContainerConfig) (socket string, ready bool) {
	socket = r.opts.NotifySocket
	switch cfg.SdNotifyMode {
	case "ignore":
		return "", false
	case "container":
		return socket, false
	}
	return socket, socket != ""
}

// notifyMount binds the manager's notify socket where the container's
// NOTIFY_SOCKET points (--sdnotify=container). An abstract socket has no
// path to bind: systemd's are paths, so that is refused clearly.
func notifyMount(sock string) (specs.Mount, error) {
	if strings.HasPrefix(sock, "@") || !strings.HasPrefix(sock, "/") {
		return specs.Mount{}, invalidf("--sdnotify=container: NOTIFY_SOCKET %q is not a socket path that can be mounted into the container", sock)
	}
	if _, err := os.Stat(sock); err != nil {
		return specs.Mount{}, fmt.Errorf("--sdnotify=container: %w", err)
	}
	return specs.Mount{Destination: specgen.NotifySocketInContainer, Type: "bind", Source: sock, Options: []string{"bind"}}, nil
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
