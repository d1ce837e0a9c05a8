package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/storage"
)

// The root filesystem of a run: the storage container's layer, or the
// directory --rootfs named. A --rootfs container still has a storage
// container (with an empty layer, never mounted for a run): it holds the
// container's userdata and run directories as any other's does.
//
// With --rootfs DIR:O the directory is the lower layer of an overlay whose
// upper and work directories are the container's own, under its storage
// directory; the overlay is unmounted and its writes dropped when the run
// ends (podman's "modifications are destroyed when the container
// finishes"). DIR itself is never written through it.

// rootfsOverlayDir holds the overlay of a --rootfs DIR:O container.
func rootfsOverlayDir(st *storage.Store, id string) (string, error) {
	dir, err := st.ContainerDirectory(id)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "rootfs-overlay"), nil
}

// mountRootfs mounts c's root filesystem for a run and returns its path.
// For an image's container it is storage's mount; for --rootfs the
// directory, or the overlay over it (mounted once: a second call while it
// is mounted returns it again).
func (r *Runtime) mountRootfs(st *storage.Store, c *Container) (string, error) {
	cfg := c.Config
	if cfg.Rootfs == "" {
		return st.Mount(c.ID, "")
	}
	if fi, err := os.Stat(cfg.Rootfs); err != nil || !fi.IsDir() {
		return "", invalidf("--rootfs %s of container %s is not a directory", cfg.Rootfs, c.Name)
	}
	if !cfg.RootfsOverlay {
		return cfg.Rootfs, nil
	}
	dir, err := rootfsOverlayDir(st, c.ID)
	if err != nil {
		return "", err
	}
	merged := filepath.Join(dir, "merged")
	if mounted, _ := isMountPoint(merged); mounted {
		return merged, nil
	}
	upper, work := filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	for _, d := range []string{upper, work, merged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("--rootfs overlay of %s: %w", c.Name, err)
		}
	}
	data := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", cfg.Rootfs, upper, work)
	if r.Rootless() {
		// In a user namespace overlay keeps its metadata in user.*
		// extended attributes: trusted.* are not for us to set.
		data += ",userxattr"
	}
	if err := unix.Mount("overlay", merged, "overlay", 0, data); err != nil {
		return "", fmt.Errorf("--rootfs %s:O: mount the overlay of %s: %w", cfg.Rootfs, c.Name, err)
	}
	return merged, nil
}

// unmountRootfs undoes mountRootfs at the end of a run: storage's mounts
// all go; a --rootfs overlay is unmounted and its writes dropped. Nothing
// mounted is no error.
func (r *Runtime) unmountRootfs(st *storage.Store, c *Container) error {
	if c.Config == nil || c.Config.Rootfs == "" {
		if _, err := st.Unmount(c.ID, true); err != nil && !isNotMounted(err) {
			return err
		}
		return nil
	}
	if !c.Config.RootfsOverlay {
		return nil
	}
	dir, err := rootfsOverlayDir(st, c.ID)
	if err != nil {
		return nil // no storage container: nothing was mounted
	}
	merged := filepath.Join(dir, "merged")
	if err := unix.Unmount(merged, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount the --rootfs overlay: %w", err)
	}
	for _, d := range []string{"upper", "work"} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			return fmt.Errorf("drop the --rootfs overlay's writes: %w", err)
		}
	}
	return nil
}

// lookRootfs gives a look at c's root filesystem outside a run (cp,
// mount): the path and what releases it. A running --rootfs overlay is
// the run's own and stays mounted.
func (r *Runtime) lookRootfs(st *storage.Store, c *Container) (string, func(), error) {
	cfg := c.Config
	if cfg == nil || cfg.Rootfs == "" {
		p, err := st.Mount(c.ID, "")
		if err != nil {
			return "", nil, err
		}
		return p, func() { _, _ = st.Unmount(c.ID, false) }, nil
	}
	if !cfg.RootfsOverlay || isActive(c.Status) {
		p, err := r.mountRootfs(st, c)
		return p, func() {}, err
	}
	p, err := r.mountRootfs(st, c)
	if err != nil {
		return "", nil, err
	}
	return p, func() { _ = r.unmountRootfs(st, c) }, nil
}

// isMountPoint reports whether path is the root of a mount: its device
// differs from its parent's, or it is the same inode as its parent's
// (a bind of a directory onto itself is not a case here).
func isMountPoint(path string) (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return false, err
	}
	if err := unix.Lstat(filepath.Dir(path), &parent); err != nil {
		return false, err
	}
	return st.Dev != parent.Dev || st.Ino == parent.Ino, nil
}
