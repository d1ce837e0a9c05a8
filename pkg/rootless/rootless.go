// Package rootless puts a plain user's pod into a user namespace in which it
// is root, mapped from the user's own ID and its /etc/subuid and /etc/subgid
// ranges, so that storage can own files as the image's users.
//
// The first command starts a pause process that holds that user namespace
// and a mount namespace; every later command joins both before the Go
// runtime starts (join.c), so overlay mounts made by one command are seen by
// the next, and containers started from one shell can be managed from
// another. The pause process's PID is recorded beside the state DB
// (GRAPHROOT/pod/pause.pid), which is the same whatever the environment,
// and in RUNTIME_DIR/pod/pause.pid; join.c tries them in that order. So a
// command run with another runtime directory (cron, su, ssh: another
// XDG_RUNTIME_DIR or none) joins the storage's pause process, instead of
// starting a second one whose namespaces would neither see the running
// containers' mounts nor be allowed to act on their processes.
package rootless

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"

	"github.com/containers/storage/pkg/unshare"
	sysuser "github.com/moby/sys/user"
)

// IsRootless reports whether pod acts for an unprivileged user, either
// before or after entering the user namespace.
func IsRootless() bool { return unshare.IsRootless() }

// UID is the host UID of the user pod acts for (0 when running as root).
func UID() int { return unshare.GetRootlessUID() }

// Enter makes the calling process root in the user's namespaces. As root on
// the host, or when join.c has already joined the pause process, it returns
// at once. Otherwise it finds the pause process (in the runtime directory,
// else the one recorded in the directory stateDir returns, that of the
// state DB), starts one if none is alive, and re-executes pod, which then
// joins it: in that case Enter does not return. stateDir may be nil; it is
// called only when a pause process must be found without join.c's help.
// reexec, when not nil, runs just before pod executes itself again: it puts
// back what the process took out of its environment and descriptors, which
// the new image must find as this one did.
func Enter(stateDir func() (string, error), reexec func()) error {
	if os.Geteuid() == 0 {
		return markJoined()
	}
	u, err := user.Current()
	if err != nil {
		return fmt.Errorf("look up the current user: %w", err)
	}
	if err := checkSubIDs(u); err != nil {
		return err
	}
	dir, err := setRuntimeDir(os.Getuid())
	if err != nil {
		return err
	}
	if os.Getenv(joinTriedEnv) != "" {
		return fmt.Errorf("cannot join the namespaces of the pause process in %s: remove %s and retry", dir, pausePidFile(dir))
	}
	anchor := ""
	if stateDir != nil {
		d, err := stateDir()
		if err != nil {
			return err
		}
		anchor = anchorFile(d)
	}
	if err := ensurePause(dir, anchor, u); err != nil {
		return err
	}
	if err := os.Setenv(joinTriedEnv, "1"); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the pod executable: %w", err)
	}
	if reexec != nil {
		reexec()
	}
	return fmt.Errorf("re-execute %s in the user namespace: %w", self, execSelf(self))
}

const joinTriedEnv = "_POD_JOIN_TRIED"

// setRuntimeDir exports the runtime directory, so that storage, the monitor
// and the runtime agree with join.c on it.
func setRuntimeDir(hostUID int) (string, error) {
	dir, err := RuntimeDir(hostUID)
	if err != nil {
		return "", err
	}
	return dir, os.Setenv("XDG_RUNTIME_DIR", dir)
}

// markJoined prepares the environment of a process that is root in a user
// namespace: containers/storage and every child must know the host user.
func markJoined() error {
	_ = os.Unsetenv(joinTriedEnv)
	hostUID, ok, err := hostIDOfRoot("/proc/self/uid_map")
	if err != nil || !ok {
		return err
	}
	hostGID, _, err := hostIDOfRoot("/proc/self/gid_map")
	if err != nil {
		return err
	}
	if _, err := setRuntimeDir(hostUID); err != nil {
		return err
	}
	for k, v := range map[string]string{
		"_CONTAINERS_USERNS_CONFIGURED": "done",
		"_CONTAINERS_ROOTLESS_UID":      strconv.Itoa(hostUID),
		"_CONTAINERS_ROOTLESS_GID":      strconv.Itoa(hostGID),
	} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// hostIDOfRoot reads an ID map and returns the host ID that ID 0 maps to;
// ok is false in the initial namespace (the whole ID range maps to itself).
func hostIDOfRoot(path string) (id int, ok bool, err error) {
	maps, err := sysuser.ParseIDMapFile(path)
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", path, err)
	}
	for _, m := range maps {
		if m.ID != 0 {
			continue
		}
		if m.ParentID == 0 && m.Count == 4294967295 {
			return 0, false, nil
		}
		return int(m.ParentID), true, nil
	}
	return 0, false, nil
}

func checkSubIDs(u *user.User) error {
	for _, f := range []struct{ file, id string }{{"/etc/subuid", u.Uid}, {"/etc/subgid", u.Gid}} {
		ok, err := hasRange(f.file, u.Username, f.id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no subordinate ID range for user %q in %s: add a line such as %q (e.g. usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s)",
				u.Username, f.file, u.Username+":100000:65536", u.Username)
		}
	}
	for _, tool := range []string{"newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: install the uidmap package (apt-get install uidmap)", tool)
		}
	}
	return nil
}

// hasRange reports whether file (/etc/subuid format) names a range for the
// user, by name or by numeric ID. A range of size 0 is no range.
func hasRange(file, name, id string) (bool, error) {
	ranges, err := sysuser.ParseSubIDFileFilter(file, func(s sysuser.SubID) bool {
		return (s.Name == name || s.Name == id) && s.Count > 0
	})
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", file, err)
	}
	return len(ranges) > 0, nil
}
