package conmon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// WaitMonitor blocks until the monitor process exits or ctx ends. The monitor
// is not the caller's child, so it waits on a pidfd rather than with wait(2).
func WaitMonitor(ctx context.Context, monitorPID int) error {
	if monitorPID <= 0 {
		return fmt.Errorf("wait for monitor: bad PID %d", monitorPID)
	}
	fd, err := unix.PidfdOpen(monitorPID, unix.PIDFD_NONBLOCK)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wait for monitor %d: pidfd_open: %w", monitorPID, err)
	}
	// A pidfd turns readable when the process exits; with O_NONBLOCK set
	// os.File waits for that in the runtime poller, so a deadline cancels.
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("wait for monitor %d: %w", monitorPID, err)
	}
	err = rc.Read(func(fd uintptr) bool {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 0)
		return err != nil || n > 0
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("wait for monitor %d: %w", monitorPID, err)
	}
	return nil
}

// Alive reports whether the process monitorPID runs and is a pod-conmon,
// not another program that reused the PID after the monitor died.
func Alive(monitorPID int) bool {
	if monitorPID <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(monitorPID) + "/cmdline")
	if err != nil || len(b) == 0 { // a zombie has an empty cmdline
		return false
	}
	argv0, _, _ := bytes.Cut(b, []byte{0})
	return filepath.Base(string(argv0)) == BinaryName
}
