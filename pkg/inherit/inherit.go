// Package inherit takes what pod's caller handed down beyond stdin, stdout
// and stderr: open descriptors (for run and exec --preserve-fds) and
// systemd's socket activation (sd_listen_fds(3): LISTEN_PID, LISTEN_FDS,
// LISTEN_FDNAMES), so that pod passes them on where asked and nowhere else.
//
// Contracts a caller may rely on:
//
//   - After Take, no descriptor pod inherited reaches a child pod starts
//     (the pause process, slirp4netns, the monitor, the runtime) unless it
//     is handed down explicitly: Take marks them all close-on-exec.
//   - Socket activation is taken only when LISTEN_PID is this process's
//     PID and every descriptor LISTEN_FDS names is open; the variables are
//     removed from the environment either way, so no child mistakes them
//     for its own.
//   - Each descriptor has at most one *os.File, kept for the process's
//     life: a second one would close the descriptor when collected.
//   - Restore puts back what Take changed, for a process that is about to
//     execute itself again (rootless pod entering its user namespace).
package inherit

import (
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// firstFD is the first descriptor after stdio (SD_LISTEN_FDS_START).
const firstFD = 3

// Environment variables of socket activation.
const (
	envPID   = "LISTEN_PID"
	envFDs   = "LISTEN_FDS"
	envNames = "LISTEN_FDNAMES"
)

// Set is what the process inherited. The zero value (and nil) inherited
// nothing.
type Set struct {
	fds map[int]bool // open without close-on-exec when Take ran

	// The activation variables as Take found them, for Restore.
	listenPID, listenFDs, listenNames string
	hadNames                          bool
	activation                        *Activation

	mu    sync.Mutex
	files map[int]*os.File
}

// Activation is systemd's socket activation of this process.
type Activation struct {
	// Files are the sockets, at descriptors 3 and up.
	Files []*os.File
	// Names is LISTEN_FDNAMES as given ("" when unset): colon-separated
	// names of the sockets (a socket unit's FileDescriptorName=).
	Names    string
	hasNames bool
}

// Env is the environment a process that receives the sockets at 3 and up
// as its PID 1 needs (as podman passes them into a container): LISTEN_FDS,
// LISTEN_PID=1 and, when given, LISTEN_FDNAMES.
func (a *Activation) Env() []string {
	env := []string{envFDs + "=" + strconv.Itoa(len(a.Files)), envPID + "=1"}
	if a.hasNames {
		env = append(env, envNames+"="+a.Names)
	}
	return env
}

// Take records the descriptors above stderr that the process inherited
// (open and not close-on-exec: everything the process opened itself is
// close-on-exec), marks them close-on-exec, and takes socket activation
// out of the environment. Call it once, first thing in main.
func Take() *Set {
	s := &Set{fds: map[int]bool{}, files: map[int]*os.File{}}
	for _, fd := range openFDs() {
		if fd < firstFD {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue
		}
		s.fds[fd] = true
		unix.CloseOnExec(fd)
	}
	s.listenPID, _ = os.LookupEnv(envPID)
	s.listenFDs, _ = os.LookupEnv(envFDs)
	s.listenNames, s.hadNames = os.LookupEnv(envNames)
	os.Unsetenv(envPID)
	os.Unsetenv(envFDs)
	os.Unsetenv(envNames)
	s.activation = s.takeActivation()
	return s
}

// openFDs lists the process's open descriptors.
func openFDs() []int {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	own := int(d.Fd())
	d.Close()
	var fds []int
	for _, n := range names {
		if fd, err := strconv.Atoi(n); err == nil && fd != own {
			fds = append(fds, fd)
		}
	}
	return fds
}

// takeActivation applies sd_listen_fds(3)'s rules: the variables are for
// this process only when LISTEN_PID is its PID (a parent's left in the
// environment are not), and LISTEN_FDS counts descriptors from 3.
func (s *Set) takeActivation() *Activation {
	if s.listenPID != strconv.Itoa(os.Getpid()) {
		return nil
	}
	n, err := strconv.Atoi(s.listenFDs)
	if err != nil || n < 1 {
		return nil
	}
	files, err := s.Range(n)
	if err != nil {
		return nil
	}
	return &Activation{Files: files, Names: s.listenNames, hasNames: s.hadNames}
}

// Activation is the socket activation pod was started with, or nil.
func (s *Set) Activation() *Activation {
	if s == nil {
		return nil
	}
	return s.activation
}

// Range returns the n descriptors 3 to 3+n-1, which must all have been
// inherited (run and exec --preserve-fds).
func (s *Set) Range(n int) ([]*os.File, error) {
	if n <= 0 {
		return nil, nil
	}
	files := make([]*os.File, 0, n)
	for fd := firstFD; fd < firstFD+n; fd++ {
		if s == nil || !s.fds[fd] {
			return nil, errdefs.InvalidArgumentf("--preserve-fds %d: file descriptor %d is not open in pod (descriptors 3 to %d must be passed to it)", n, fd, firstFD+n-1)
		}
		files = append(files, s.file(fd))
	}
	return files, nil
}

func (s *Set) file(fd int) *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[fd]
	if f == nil {
		f = os.NewFile(uintptr(fd), "inherited-fd-"+strconv.Itoa(fd))
		s.files[fd] = f
	}
	return f
}

// Restore undoes Take for a process about to execute itself again: the
// inherited descriptors are inheritable again and the activation
// variables are back (LISTEN_PID stays right: exec keeps the PID).
func (s *Set) Restore() {
	if s == nil {
		return
	}
	for fd := range s.fds {
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags&^unix.FD_CLOEXEC)
		}
	}
	if s.listenPID != "" || s.listenFDs != "" {
		os.Setenv(envPID, s.listenPID)
		os.Setenv(envFDs, s.listenFDs)
	}
	if s.hadNames {
		os.Setenv(envNames, s.listenNames)
	}
}
