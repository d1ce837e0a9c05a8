package spec

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// ResolveUser turns a --user value ("", "name", "uid", "uid:gid",
// "name:group", ...) into IDs using the image's /etc/passwd and /etc/group
// under rootfs. The files are opened without following any symlink out of
// rootfs, so an image cannot make pod read the host's files. As in Docker,
// "" means root, a numeric UID absent from passwd runs with GID 0, and the
// user's supplementary groups come from /etc/group. An unknown user or
// group name is an error wrapping errdefs.ErrNotFound.
func ResolveUser(rootfs, spec string) (User, error) {
	passwd, err := openInRoot(rootfs, "/etc/passwd")
	if err != nil {
		return User{}, err
	}
	if passwd != nil {
		defer passwd.Close()
	}
	group, err := openInRoot(rootfs, "/etc/group")
	if err != nil {
		return User{}, err
	}
	if group != nil {
		defer group.Close()
	}
	// A nil *os.File must reach GetExecUser as a nil io.Reader.
	var pr, gr io.Reader
	if passwd != nil {
		pr = passwd
	}
	if group != nil {
		gr = group
	}
	u, err := user.GetExecUser(spec, &user.ExecUser{}, pr, gr)
	if err != nil {
		if errors.Is(err, user.ErrNoPasswdEntries) || errors.Is(err, user.ErrNoGroupEntries) {
			// Keep Docker's wording: the category must not show in it.
			return User{}, errdefs.NotFound(err)
		}
		return User{}, errdefs.InvalidArgumentf("user %q: %w", spec, err)
	}
	if u.Uid < 0 || u.Uid > math.MaxUint32-1 || u.Gid < 0 || u.Gid > math.MaxUint32-1 {
		return User{}, errdefs.InvalidArgumentf("user %q: ID out of range", spec)
	}
	out := User{UID: uint32(u.Uid), GID: uint32(u.Gid), Home: u.Home}
	for _, g := range u.Sgids {
		if g >= 0 && g < math.MaxUint32 && uint32(g) != out.GID {
			out.AdditionalGids = append(out.AdditionalGids, uint32(g))
		}
	}
	return out, nil
}

// openInRoot opens path inside root for reading, resolving symlinks as if
// root were "/". A missing file is (nil, nil).
func openInRoot(root, path string) (*os.File, error) {
	h, err := securejoin.OpenInRoot(root, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", path, root, err)
	}
	defer h.Close()
	f, err := securejoin.Reopen(h, unix.O_RDONLY)
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", path, root, err)
	}
	return f, nil
}
