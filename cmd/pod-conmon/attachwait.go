package main

import (
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

// waitFirstClient accepts the first attach client before the runtime runs
// (Config.AttachWait): an exec'd process runs as soon as the runtime
// returns, and its first output must find the client registered. Without a
// client within protocol.AttachWaitLimit the monitor goes on without one.
// The client is watched once epoll is set up.
func (m *monitor) waitFirstClient() {
	deadline := time.Now().Add(protocol.AttachWaitLimit)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			m.errorf("no attach client came: running without one")
			return
		}
		pfd := []unix.PollFd{{Fd: int32(m.ln), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
		if err == unix.EINTR || n == 0 {
			continue
		}
		if err != nil {
			return
		}
		fd, _, err := unix.Accept4(m.ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			continue
		}
		if !send(fd, []byte{protocol.PacketReady}) {
			unix.Close(fd)
			continue
		}
		m.clients[fd] = &client{fd: fd}
		return
	}
}
