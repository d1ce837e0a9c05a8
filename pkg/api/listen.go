package api

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// DefaultSocket is where the service listens without a URI: under
// XDG_RUNTIME_DIR rootless, /run/pod as root.
func DefaultSocket(rootless bool, runtimeDir string) string {
	if rootless && runtimeDir != "" {
		return filepath.Join(runtimeDir, "pod", "pod.sock")
	}
	if rootless {
		return filepath.Join(os.TempDir(), fmt.Sprintf("pod-%d", os.Getuid()), "pod.sock")
	}
	return "/run/pod/pod.sock"
}

// Activated returns the listener systemd passed (LISTEN_FDS, LISTEN_PID:
// socket activation), or nil when there is none. The variables are
// cleared so that children do not take the socket for theirs.
func Activated() (net.Listener, error) {
	pid, _ := strconv.Atoi(os.Getenv("LISTEN_PID"))
	n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if pid != os.Getpid() || n < 1 {
		return nil, nil
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	const firstFD = 3 // SD_LISTEN_FDS_START
	if n > 1 {
		return nil, errdefs.InvalidArgumentf("socket activation passed %d sockets; the service serves one", n)
	}
	syscall.CloseOnExec(firstFD)
	f := os.NewFile(firstFD, "listen-fd")
	l, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("socket activation: %w", err)
	}
	return l, nil
}

// Listen opens uri: unix:///path (the socket made 0600, its directory
// 0700 when created) or tcp://host:port. A stale socket file (nothing
// answers on it) is replaced; a live one is an error.
func Listen(uri string) (net.Listener, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("service URI %q: %v", uri, err)
	}
	switch u.Scheme {
	case "unix":
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		if p == "" {
			return nil, errdefs.InvalidArgumentf("service URI %q: no socket path", uri)
		}
		return listenUnix(p)
	case "tcp":
		if u.Host == "" {
			return nil, errdefs.InvalidArgumentf("service URI %q: no host:port", uri)
		}
		return net.Listen("tcp", u.Host)
	}
	return nil, errdefs.InvalidArgumentf("service URI %q: use unix:///PATH or tcp://HOST:PORT", uri)
}

func listenUnix(p string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if _, err := os.Lstat(p); err == nil {
		if c, err := net.Dial("unix", p); err == nil {
			c.Close()
			return nil, errdefs.Conflictf("%s is in use by another service", p)
		}
		if err := os.Remove(p); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
	}
	// The socket is created with no access for others from the start: a
	// chmod afterwards would leave a window. The service is one process
	// that has not started serving yet, so the umask change is its own.
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", p)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", p, err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// IsUnix reports whether uri names a unix socket.
func IsUnix(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && u.Scheme == "unix"
}
