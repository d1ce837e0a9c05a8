package main

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// healthTimer runs Config.HealthCommand every Config.HealthInterval while
// the container runs: a timer in the epoll loop, so healthchecks need no
// systemd and no process beyond the monitor between runs. A run still
// going when the next is due delays it (runs never overlap); the command
// records the result itself.
type healthTimer struct {
	next time.Time // zero until the first timeout is computed
	fd   int       // pidfd of the running command; -1 when none
}

// healthTimeout is epoll's timeout until the next run: -1 without a
// healthcheck.
func (m *monitor) healthTimeout() int {
	if len(m.cfg.HealthCommand) == 0 || m.cfg.HealthInterval <= 0 || m.pidfd < 0 {
		return -1
	}
	if m.health.next.IsZero() {
		m.health.next = time.Now().Add(m.cfg.HealthInterval)
	}
	left := time.Until(m.health.next)
	if left <= 0 {
		return 0
	}
	return int(left/time.Millisecond) + 1
}

// healthTick starts the command when it is due and none runs.
func (m *monitor) healthTick() {
	if len(m.cfg.HealthCommand) == 0 || m.health.next.IsZero() || time.Now().Before(m.health.next) {
		return
	}
	m.health.next = time.Now().Add(m.cfg.HealthInterval)
	if m.health.fd >= 0 {
		return
	}
	null, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		m.errorf("healthcheck: " + err.Error())
		return
	}
	defer unix.Close(null)
	argv := m.cfg.HealthCommand
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env:   m.cfg.Env,
		Files: []uintptr{uintptr(null), uintptr(null), uintptr(null)},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		m.errorf("run healthcheck: " + err.Error())
		return
	}
	// The loop's reaping collects it; its pidfd says when.
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return // already exited and reaped
	}
	if m.watch(fd, unix.EPOLLIN) != nil {
		unix.Close(fd)
		return
	}
	m.health.fd = fd
}

// healthDone forgets a finished run.
func (m *monitor) healthDone() {
	m.unwatch(m.health.fd)
	unix.Close(m.health.fd)
	m.health.fd = -1
}
