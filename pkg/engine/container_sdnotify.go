package engine

import (
	"fmt"
	"os"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/specgen"
)

// notifySocketEnv names the sd_notify socket of the service manager that
// started pod (a systemd unit with Type=notify).
const notifySocketEnv = "NOTIFY_SOCKET"

// notifyEnv is the environment of the monitor's runtime and exit command,
// and what the monitor tells the service manager. NOTIFY_SOCKET never
// reaches the runtime: runc would answer the manager itself. With
// --sdnotify=conmon (the default) the monitor sends MAINPID and READY=1;
// with container it sends MAINPID and the container's process READY=1;
// with ignore nothing is sent.
func notifyEnv(cfg *ContainerConfig) (env []string, socket string, ready bool) {
	for _, e := range os.Environ() {
		if k, v, _ := strings.Cut(e, "="); k == notifySocketEnv {
			socket = v
			continue
		}
		env = append(env, e)
	}
	switch cfg.SdNotifyMode {
	case "ignore":
		return env, "", false
	case "container":
		return env, socket, false
	}
	return env, socket, socket != ""
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
