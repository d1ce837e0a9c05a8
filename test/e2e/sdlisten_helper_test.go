package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// sdlistenEnv makes the test binary itself a socket-activated server (see
// sdlisten), so that a container can run one from a bind mount of the
// binary where no Go toolchain is at hand to build a helper (the VM).
const sdlistenEnv = "POD_E2E_SDLISTEN"

func init() {
	if os.Getenv(sdlistenEnv) == "" {
		return
	}
	if err := sdlisten(); err != nil {
		fmt.Fprintln(os.Stderr, "sdlisten:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// sdlisten is a socket-activated server as sd_listen_fds(3) describes one:
// it takes its listening sockets from descriptors 3 and up when LISTEN_PID
// is its own PID, accepts one connection on each and answers it with one
// line saying what it received (also printed on stdout), then exits. It
// fails when the activation is not addressed to it or a descriptor is not
// a listening socket.
func sdlisten() error {
	// What the process inherited: stdio and the sockets, nothing else of
	// pod's.
	open := openFDs()
	pid, fds, names := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS"), os.Getenv("LISTEN_FDNAMES")
	if pid != strconv.Itoa(os.Getpid()) {
		return fmt.Errorf("LISTEN_PID=%q, my PID is %d", pid, os.Getpid())
	}
	n, err := strconv.Atoi(fds)
	if err != nil || n < 1 {
		return fmt.Errorf("LISTEN_FDS=%q", fds)
	}
	host, _ := os.Hostname()
	nameList := strings.Split(names, ":")
	for i := 0; i < n; i++ {
		fd := 3 + i
		if v, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err != nil || v != 1 {
			return fmt.Errorf("descriptor %d is not a listening socket (%v)", fd, err)
		}
		conn, _, err := syscall.Accept(fd)
		if err != nil {
			return fmt.Errorf("accept on %d: %w", fd, err)
		}
		name := ""
		if i < len(nameList) {
			name = nameList[i]
		}
		line := fmt.Sprintf("fd=%d name=%s pid=%d LISTEN_FDS=%s host=%s fds=%s\n", fd, name, os.Getpid(), fds, host, open)
		_, err = syscall.Write(conn, []byte(line))
		syscall.Close(conn)
		if err != nil {
			return fmt.Errorf("answer on %d: %w", fd, err)
		}
		fmt.Print(line)
	}
	return nil
}

// openFDs lists the descriptors below 256 the process inherited,
// comma-separated: those open without close-on-exec (whatever this
// binary's own start-up opened is close-on-exec, as Go opens everything).
func openFDs() string {
	var s []string
	for fd := 0; fd < 256; fd++ {
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		if errno == 0 && flags&syscall.FD_CLOEXEC == 0 {
			s = append(s, strconv.Itoa(fd))
		}
	}
	return strings.Join(s, ",")
}

var selfHelper struct {
	once sync.Once
	path string
	err  error
}

// sdlistenRun is what runs sdlisten in a container of the busybox image.
func sdlistenRun(t *testing.T) (runArgs []string, cmd []string) {
	t.Helper()
	return selfRun(t, sdlistenEnv)
}

// selfRun is what runs this test binary as a helper in a container of the
// busybox image: a copy of the binary that every user can read, with the
// host's libraries (the binary may be linked dynamically), as its command
// with env (which picks the helper) set.
func selfRun(t *testing.T, env string) (runArgs []string, cmd []string) {
	t.Helper()
	selfHelper.once.Do(func() {
		self, err := os.Executable()
		if err != nil {
			selfHelper.err = err
			return
		}
		selfHelper.path, selfHelper.err = copyExecutable(self, filepath.Join(suite.tmpRoot, "sdlisten"))
	})
	if selfHelper.err != nil {
		t.Fatalf("copy the test binary: %v", selfHelper.err)
	}
	runArgs = []string{"-e", env + "=1", "-v", selfHelper.path + ":/sdlisten:ro"}
	for _, dir := range []string{"/lib", "/lib64"} {
		if _, err := os.Stat(dir); err == nil {
			runArgs = append(runArgs, "-v", dir+":"+dir+":ro")
		}
	}
	return runArgs, []string{"/sdlisten"}
}
