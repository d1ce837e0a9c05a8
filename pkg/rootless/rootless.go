// Package rootless puts a plain user's pod into a user namespace in which it
// is root, mapped from the user's own ID and its /etc/subuid and /etc/subgid
// ranges, so that storage can own files as the image's users.
package rootless

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"

	"github.com/containers/storage/pkg/unshare"
)

// IsRootless reports whether pod acts for an unprivileged user, either
// before or after entering the user namespace.
func IsRootless() bool { return unshare.IsRootless() }

// UID is the host UID of the user pod acts for (0 when running as root).
func UID() int { return unshare.GetRootlessUID() }

// Enter re-executes the current command inside a new user and mount
// namespace when the caller is an unprivileged user. In the parent it does
// not return: it exits with the child's status. In root's pod, or in the
// re-executed child, it returns nil at once.
func Enter() error {
	if os.Geteuid() == 0 {
		return nil
	}
	u, err := user.Current()
	if err != nil {
		return fmt.Errorf("look up the current user: %w", err)
	}
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
	unshare.MaybeReexecUsingUserNamespace(false)
	return nil
}

// hasRange reports whether file (/etc/subuid format) names a range for the
// user, by name or by numeric ID.
func hasRange(file, name, id string) (bool, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", file, err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Split(strings.TrimSpace(s.Text()), ":")
		if len(fields) != 3 || (fields[0] != name && fields[0] != id) {
			continue
		}
		if n, err := strconv.ParseUint(fields[2], 10, 32); err == nil && n > 0 {
			return true, nil
		}
	}
	return false, s.Err()
}
