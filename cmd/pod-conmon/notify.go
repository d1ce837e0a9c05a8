package main

import (
	"bytes"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// sdNotify tells the service manager listening on socket (systemd's
// NOTIFY_SOCKET: a path, or "@name" for an abstract socket) that this
// monitor is the service's main process and, with ready, that the service
// is ready: the sd_notify protocol is one datagram of newline-separated
// KEY=VALUE assignments. A unit with NotifyAccess=all accepts it from any
// process of the service, and then watches the monitor, which lives as
// long as the container.
func sdNotify(socket string, ready bool) error {
	msg := "MAINPID=" + strconv.Itoa(unix.Getpid()) + "\n"
	if ready {
		msg += "READY=1\n"
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// SockaddrUnix turns a leading '@' into the abstract namespace's NUL.
	return unix.Sendto(fd, []byte(msg), 0, &unix.SockaddrUnix{Name: socket})
}

// openNotifyProxy binds the datagram socket path (--sdnotify=container)
// the container sees as its NOTIFY_SOCKET. The path is long (the
// container's storage directory) and sun_path holds 108 bytes, so it is
// bound through the directory's descriptor. Anyone may send to it: the
// container's process may run as any user.
func openNotifyProxy(path string) (int, error) {
	dir, name := filepath.Split(path)
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(dfd)
	short := "/proc/self/fd/" + strconv.Itoa(dfd) + "/" + name
	if err := unix.Unlink(short); err != nil && err != unix.ENOENT {
		return -1, err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: short}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Chmod(short, 0o777); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// forwardNotify passes what the container's process sent to the proxy on
// to the service manager, as the monitor's own message: systemd takes it
// from the unit's main process. MAINPID (a PID in the container's
// namespace) and BARRIER (its descriptor is not passed on) are dropped.
func forwardNotify(proxy int, socket string, buf []byte) error {
	for {
		n, _, err := unix.Recvfrom(proxy, buf, unix.MSG_DONTWAIT)
		if err == unix.EAGAIN || err == unix.EWOULDBLOCK {
			return nil
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		var out []byte
		for _, line := range bytes.Split(buf[:n], []byte("\n")) {
			if len(line) == 0 || bytes.HasPrefix(line, []byte("MAINPID=")) || bytes.HasPrefix(line, []byte("BARRIER=")) {
				continue
			}
			out = append(append(out, line...), '\n')
		}
		if len(out) == 0 {
			continue
		}
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		err = unix.Sendto(fd, out, 0, &unix.SockaddrUnix{Name: socket})
		unix.Close(fd)
		if err != nil {
			return err
		}
	}
}
