package api

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/inherit"
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

// Activated returns the listener of systemd's socket activation (see
// pkg/inherit: pod's main takes LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES),
// or nil when pod was not socket-activated. The service serves one socket.
func Activated(act *inherit.Activation) (net.Listener, error) {
	if act == nil {
		return nil, nil
	}
	if n := len(act.Files); n != 1 {
		return nil, errdefs.InvalidArgumentf("socket activation passed %d sockets; the service serves one", n)
	}
	l, err := net.FileListener(act.Files[0])
	if err != nil {
		return nil, fmt.Errorf("socket activation: %w", err)
	}
	return l, nil
}

// SocketAccess says who besides its owner may connect to a unix socket
// the service makes.
type SocketAccess struct {
	// Mode is the socket's permission bits: 0600 (the owner only, the
	// default) or 0660 (its group too).
	Mode os.FileMode
	// GID, when > 0, is the socket's group (else it keeps the
	// creator's). A socket directory the service makes is then 0710 in
	// that group, so that the group can reach the socket and list
	// nothing.
	GID int
}

// Listen opens uri: unix:///path (the socket made as access says, 0600
// by default, its directory 0700 when created) or tcp://host:port. A
// stale socket file (nothing answers on it) is replaced; a live one is an
// error.
func Listen(uri string, access SocketAccess) (net.Listener, error) {
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
		return listenUnix(p, access)
	case "tcp":
		if u.Host == "" {
			return nil, errdefs.InvalidArgumentf("service URI %q: no host:port", uri)
		}
		return net.Listen("tcp", u.Host)
	}
	return nil, errdefs.InvalidArgumentf("service URI %q: use unix:///PATH or tcp://HOST:PORT", uri)
}

func listenUnix(p string, access SocketAccess) (net.Listener, error) {
	if access.Mode == 0 {
		access.Mode = 0o600
	}
	if access.Mode&^0o660 != 0 {
		return nil, errdefs.InvalidArgumentf("socket mode %#o: use 0600 or 0660", access.Mode)
	}
	if err := socketDir(filepath.Dir(p), access.GID); err != nil {
		return nil, err
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
	// The group is set before the group gets access.
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", p)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", p, err)
	}
	if access.GID > 0 {
		if err := os.Lchown(p, -1, access.GID); err != nil {
			l.Close()
			return nil, fmt.Errorf("socket group: %w", err)
		}
	}
	if err := os.Chmod(p, access.Mode); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// socketDir makes the socket's directory when missing: 0700, or 0710 in
// gid when gid > 0. An existing directory is left as it is, with a
// warning when gid cannot reach the socket through it.
func socketDir(dir string, gid int) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && gid > 0 && fi.Mode().Perm()&0o001 == 0 &&
			(int(st.Gid) != gid || fi.Mode().Perm()&0o010 == 0) {
			logrus.Warnf("group %d cannot reach the socket: its directory %s has mode %#o and group %d", gid, dir, fi.Mode().Perm(), st.Gid)
		}
		return nil
	}
	parents := os.FileMode(0o700)
	if gid > 0 {
		parents = 0o711 // the group passes through, lists nothing
	}
	if err := os.MkdirAll(filepath.Dir(dir), parents); err != nil {
		return fmt.Errorf("socket directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return fmt.Errorf("socket directory: %w", err)
	}
	if gid <= 0 {
		return nil
	}
	if err := os.Chown(dir, -1, gid); err != nil {
		return fmt.Errorf("socket directory group: %w", err)
	}
	return os.Chmod(dir, 0o710)
}

// IsUnix reports whether uri names a unix socket.
func IsUnix(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && u.Scheme == "unix"
}
