package volume

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Mount makes v's data ready for container user (an ID) and returns its
// host path. A plain volume needs nothing; one with a mount type has its
// filesystem mounted on the data directory by its first user, as podman
// does, and stays mounted until its last user calls Unmount. Calling Mount
// twice for one user is harmless. A volume whose directory is gone is
// errdefs.ErrNotFound.
func (s *Store) Mount(ctx context.Context, v *Volume, user string) (string, error) {
	path := s.Path(v.Name)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return "", errdefs.NotFoundf("volume %s has no data directory %s", v.Name, path)
	}
	mo, err := ParseOptions(v.Options)
	if err != nil {
		return "", err
	}
	if !mo.Mounted() {
		return path, nil
	}
	l, err := s.Lock(ctx)
	if err != nil {
		return "", err
	}
	defer l.Release()
	users, err := s.readUsers(v.Name)
	if err != nil {
		return "", err
	}
	mounted, err := isMountPoint(path)
	if err != nil {
		return "", err
	}
	if !mounted {
		args := mo.mountArgs(path)
		out, err := exec.CommandContext(ctx, "mount", args...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("mount volume %s (mount %s): %s: %w", v.Name, strings.Join(args, " "), strings.TrimSpace(string(out)), err)
		}
	}
	if !slices.Contains(users, user) {
		users = append(users, user)
	}
	if err := s.writeUsers(v.Name, users); err != nil {
		return "", err
	}
	return path, nil
}

// Unmount releases user's use of v; the last user unmounts its
// filesystem. Releasing a volume that is not mounted is not an error:
// cleanup may run twice.
func (s *Store) Unmount(ctx context.Context, v *Volume, user string) error {
	mo, err := ParseOptions(v.Options)
	if err != nil || !mo.Mounted() {
		return nil
	}
	l, err := s.Lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	users, err := s.readUsers(v.Name)
	if err != nil {
		return err
	}
	users = slices.DeleteFunc(users, func(u string) bool { return u == user })
	if len(users) == 0 {
		path := s.Path(v.Name)
		mounted, err := isMountPoint(path)
		if err != nil {
			return err
		}
		if mounted {
			if err := unmount(path); err != nil {
				return fmt.Errorf("unmount volume %s: %w", v.Name, err)
			}
		}
	}
	return s.writeUsers(v.Name, users)
}

// MountCount is how many containers have the volume's filesystem mounted.
func (s *Store) MountCount(name string) int {
	users, _ := s.readUsers(name)
	return len(users)
}

func (s *Store) usersFile(name string) string {
	return filepath.Join(s.runRoot, "volumes", name+".users")
}

// readUsers returns the containers that have the volume mounted. A list
// whose mount is gone (the host rebooted: the run root is not always a
// tmpfs) is stale and read as empty.
func (s *Store) readUsers(name string) ([]string, error) {
	b, err := os.ReadFile(s.usersFile(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read mount users of volume %s: %w", name, err)
	}
	var users []string
	if err := json.Unmarshal(b, &users); err != nil {
		return nil, nil
	}
	if len(users) > 0 {
		if mounted, err := isMountPoint(filepath.Join(s.root, name, dataDir)); err == nil && !mounted {
			return nil, nil
		}
	}
	return users, nil
}

func (s *Store) writeUsers(name string, users []string) error {
	path := s.usersFile(name)
	if len(users) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("record mount users of volume %s: %w", name, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("record mount users of volume %s: %w", name, err)
	}
	b, _ := json.Marshal(users)
	tmp := fmt.Sprintf("%s.%d", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("record mount users of volume %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record mount users of volume %s: %w", name, err)
	}
	return nil
}

// isMountPoint reports whether something is mounted on path, reading this
// process's mount table (a bind of a directory on the same filesystem has
// the same device number as its parent, so stat cannot tell).
func isMountPoint(path string) (bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, fmt.Errorf("read mount table: %w", err)
	}
	defer f.Close()
	path = filepath.Clean(path)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMountPath(fields[4]) == path {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read mount table: %w", err)
	}
	return false, nil
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			ok := true
			for j := 1; j <= 3; j++ {
				d := s[i+j]
				if d < '0' || d > '7' {
					ok = false
					break
				}
				c = c*8 + d - '0'
			}
			if ok {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmount detaches everything mounted on path (a volume mounted twice by
// a race is still fully released).
func unmount(path string) error {
	for {
		err := unix.Unmount(path, unix.UMOUNT_NOFOLLOW)
		if err == nil {
			if m, _ := isMountPoint(path); m {
				continue
			}
			return nil
		}
		if errors.Is(err, unix.EINVAL) {
			return nil // not a mount point (any more)
		}
		if errors.Is(err, unix.EBUSY) {
			// Something still uses it (a process whose cwd is inside):
			// detach it lazily, as podman's cleanup does.
			if lerr := unix.Unmount(path, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); lerr != nil {
				return fmt.Errorf("unmount %s: %w", path, lerr)
			}
			return nil
		}
		return fmt.Errorf("unmount %s: %w", path, err)
	}
}
