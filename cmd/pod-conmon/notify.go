package main

import (
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
