package rootless

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containers/storage/pkg/unshare"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/scope"
)

// PauseName is the re-exec name of the pause process (argv[0]); join.c
// checks /proc/PID/cmdline against it before joining.
const PauseName = "pod-pause"

const pauseReadyEnv = "_POD_PAUSE_READY_FD"

// RuntimeDir is the user's runtime directory: $XDG_RUNTIME_DIR, else
// /run/user/UID when it is the user's own, else /tmp/pod-run-UID, created
// with mode 0700 and refused unless it belongs to the user and no one else
// can write to it. join.c computes the same.
func RuntimeDir(uid int) (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return d, nil
	}
	if d := fmt.Sprintf("/run/user/%d", uid); ownedPrivate(d, os.Getuid()) == nil {
		return d, nil
	}
	d := fmt.Sprintf("/tmp/pod-run-%d", uid)
	if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("create runtime directory %s: %w", d, err)
	}
	if err := ownedPrivate(d, os.Getuid()); err != nil {
		return "", err
	}
	return d, nil
}

func ownedPrivate(dir string, uid int) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return fmt.Errorf("runtime directory %s: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != uid || st.Mode&0o022 != 0 {
		return fmt.Errorf("runtime directory %s must be a directory owned by you and writable only by you", dir)
	}
	return nil
}

func pausePidFile(dir string) string { return filepath.Join(dir, "pod", "pause.pid") }

// PausePID returns the PID of the user's live pause process recorded in the
// runtime directory dir, or 0.
func PausePID(dir string) int { return livePause(pausePidFile(dir)) }

// livePause returns the PID that file records when it is a live pause
// process of this user (not another program, or another user's pause
// process, that reused the number), else 0. It works inside the user
// namespace too: there the user's processes are owned by root, as pod is.
func livePause(file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	proc := fmt.Sprintf("/proc/%d", pid)
	cmdline, err := os.ReadFile(proc + "/cmdline")
	if err != nil || string(cmdline) != PauseName+"\x00" {
		return 0
	}
	var st unix.Stat_t
	if unix.Stat(proc, &st) != nil || int(st.Uid) != os.Getuid() {
		return 0
	}
	return pid
}

// writePID records pid in file, atomically, creating its directory.
func writePID(file string, pid int) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(file), err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", file, os.Getpid())
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// anchorFile is where the pause process whose namespaces hold a storage's
// containers is recorded: in the directory of its state DB (see Enter).
func anchorFile(stateDir string) string { return filepath.Join(stateDir, "pause.pid") }

// userNS identifies the user namespace of process pid ("self" for this
// one), or "" when it cannot be read.
func userNS(pid string) string {
	ns, _ := os.Readlink("/proc/" + pid + "/ns/user")
	return ns
}

// ErrOtherNamespace is RecordPause finding that this command runs in
// other namespaces than the storage's containers.
var ErrOtherNamespace = errors.New("in another user namespace than the containers")

// RecordPause records, beside the state DB in stateDir, the pause process
// whose namespaces this process joined, unless a live one is recorded there
// already: a later command started with another runtime directory (cron,
// su, ssh) then joins the same namespaces rather than making new ones, in
// which it could neither see the containers' mounts nor act on their
// processes (see Enter). When the recorded pause process holds other
// namespaces than this process's (left by an older pod, or two storages
// sharing a runtime directory), it returns an error wrapping
// ErrOtherNamespace that says what to do. Outside a user namespace it does
// nothing.
func RecordPause(stateDir string) error {
	if os.Geteuid() != 0 || !IsRootless() {
		return nil
	}
	own := userNS("self")
	file := anchorFile(stateDir)
	if pid := livePause(file); pid != 0 {
		if userNS(strconv.Itoa(pid)) == own {
			return nil
		}
		dir := os.Getenv("XDG_RUNTIME_DIR")
		return fmt.Errorf("this command joined pause process %d (%s), but the containers of this storage run in the user namespace of pause process %d: once nothing of its own runs, end pause process %d: %w",
			PausePID(dir), pausePidFile(dir), pid, PausePID(dir), ErrOtherNamespace)
	}
	pid := PausePID(os.Getenv("XDG_RUNTIME_DIR"))
	if pid == 0 || userNS(strconv.Itoa(pid)) != own {
		return nil
	}
	return writePID(file, pid)
}

// ensurePause makes the runtime directory dir name a live pause process:
// the one recorded in anchor (the storage's, see RecordPause) when it lives,
// so that commands run with another runtime directory share the namespaces
// of the running containers; else a new one. A lock file makes concurrent
// first commands start exactly one.
func ensurePause(dir, anchor string, u *user.User) error {
	// The storage's lock first (first commands with different runtime
	// directories must not start one pause process each), then the
	// runtime directory's; always in that order.
	if anchor != "" {
		unlock, err := lockFile(strings.TrimSuffix(anchor, ".pid") + ".lock")
		if err != nil {
			return err
		}
		defer unlock()
	}
	unlock, err := lockFile(filepath.Join(dir, "pod", "pause.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if PausePID(dir) != 0 {
		return nil
	}
	if anchor != "" {
		if pid := livePause(anchor); pid != 0 {
			return writePID(pausePidFile(dir), pid)
		}
	}
	uidmap, gidmap, err := idMappings(u)
	if err != nil {
		return err
	}
	cmd := unshare.Command(PauseName)
	cmd.UnshareFlags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
	cmd.UseNewuidmap, cmd.UidMappings = true, uidmap
	cmd.UseNewgidmap, cmd.GidMappings = true, gidmap
	cmd.GidMappingsEnableSetgroups = true
	cmd.Setsid = true
	cmd.Dir = "/"
	// The pause process must not try to join a stale pause of its own.
	cmd.Env = append(os.Environ(), "_POD_NO_JOIN=1", pauseReadyEnv+"=3")
	// The child unshares its mount namespace only after its ID maps are
	// written, so Start returns too early to join it: wait for the pause
	// process itself to say it runs.
	ready, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer ready.Close()
	cmd.ExtraFiles = []*os.File{readyW}
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return fmt.Errorf("start the pause process (newuidmap/newgidmap with the ranges of /etc/subuid and /etc/subgid): %w", err)
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Release()
	if n, _ := ready.Read(make([]byte, 1)); n != 1 {
		_ = unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("the pause process %d exited before it was ready", pid)
	}
	if err := writePID(pausePidFile(dir), pid); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("record the pause process: %w", err)
	}
	pauseScope(pid, u)
	if anchor != "" {
		// Best effort: the first command in the namespaces records it too
		// (RecordPause).
		_ = writePID(anchor, pid)
	}
	return nil
}

// pauseScope moves the pause process into a systemd scope of its own in the
// user manager's user.slice (podman's podman-pause-*.scope), where systemd
// runs and the user's bus is reachable. Started from a login session it
// would otherwise stay in that session's scope, which logind stops (its
// processes killed) when the session ends with KillUserProcesses=yes, and
// with it the namespaces every container of the user lives in. Best effort:
// without systemd nothing kills it, and a failure only keeps it where it is.
func pauseScope(pid int, u *user.User) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return
	}
	bus := scope.Bus{User: true, UID: uid}
	if !bus.Reachable() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.Start(ctx, "pod-pause-"+strconv.Itoa(pid)+".scope", "user.slice", pid); err != nil {
		logrus.Debugf("move the pause process to a systemd scope: %v", err)
	}
}

// lockFile takes an exclusive flock on path, creating it and its
// directory; unlock releases it.
func lockFile(path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// idMappings maps the user's own IDs to 0 and its subordinate ranges
// consecutively above, as podman does.
func idMappings(u *user.User) (uidmap, gidmap []specs.LinuxIDMapping, err error) {
	group := u.Username
	if g, err := user.LookupGroupId(u.Gid); err == nil {
		group = g.Name
	}
	subU, subG, err := unshare.GetSubIDMappings(u.Username, group)
	if err != nil {
		return nil, nil, fmt.Errorf("read subordinate ID ranges of %s: %w", u.Username, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return stack(uint32(uid), subU), stack(uint32(gid), subG), nil
}

func stack(own uint32, ranges []specs.LinuxIDMapping) []specs.LinuxIDMapping {
	out := []specs.LinuxIDMapping{{ContainerID: 0, HostID: own, Size: 1}}
	next := uint32(1)
	for _, r := range ranges {
		out = append(out, specs.LinuxIDMapping{ContainerID: next, HostID: r.HostID, Size: r.Size})
		next += r.Size
	}
	return out
}

// PauseMain is the body of the pause process: it holds the namespaces and
// sleeps until killed.
func PauseMain() {
	if fd, err := strconv.Atoi(os.Getenv(pauseReadyEnv)); err == nil {
		f := os.NewFile(uintptr(fd), "ready")
		_, _ = f.Write([]byte{1})
		f.Close()
	}
	// Only SIGTERM and SIGKILL end it, not a terminal's hangup or interrupt.
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGPIPE, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGQUIT)
	for {
		_ = unix.Pause()
	}
}

func execSelf(self string) error {
	return unix.Exec(self, os.Args, os.Environ())
}
