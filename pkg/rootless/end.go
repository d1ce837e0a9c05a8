package rootless

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// EndPause ends the user's pause process, so that the next command
// creates a new user namespace (with the /etc/subuid and /etc/subgid
// ranges as they are then) and a new mount namespace. It reports whether
// one was running. The caller should have stopped the containers first:
// their processes keep the old namespaces alive. The pause process ended
// is the one whose namespaces this process joined (recorded beside the
// state DB in stateDir, or in the runtime directory); both records of it
// go.
func EndPause(stateDir string) (bool, error) {
	dir, err := RuntimeDir(UID())
	if err != nil {
		return false, err
	}
	pid := PausePID(dir)
	if storage := livePause(anchorFile(stateDir)); storage != 0 && (pid == 0 || userNS(strconv.Itoa(storage)) == userNS("self")) {
		pid = storage
	}
	if livePause(anchorFile(stateDir)) == pid {
		_ = os.Remove(anchorFile(stateDir))
	}
	if pid == 0 {
		_ = os.Remove(pausePidFile(dir))
		return false, nil
	}
	// SIGTERM is the one catchable signal the pause process does not
	// ignore; it has no handler, so it dies at once.
	if err := unix.Kill(pid, unix.SIGTERM); err != nil && !errors.Is(err, unix.ESRCH) {
		return false, fmt.Errorf("end the pause process %d: %w", pid, err)
	}
	// Wait until it is gone (or a zombie for its reaper to collect), so
	// the next command cannot find it still alive and join it.
	for i := 0; i < 500 && !zombie(pid) && unix.Kill(pid, 0) == nil; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if PausePID(dir) != 0 && PausePID(dir) != pid {
		return true, nil // the runtime directory names another one
	}
	if err := os.Remove(pausePidFile(dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return true, fmt.Errorf("remove %s: %w", pausePidFile(dir), err)
	}
	return true, nil
}

// zombie reports whether pid has exited but not been reaped.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name's closing parenthesis.
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X')
		}
	}
	return false
}
