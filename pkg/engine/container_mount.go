package engine

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/containers/storage/pkg/archive"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
)

// ContainerChange is one path a container changed in its root filesystem
// compared with its image: Kind is "A" (added), "C" (changed) or "D"
// (deleted), as `docker diff` prints them.
type ContainerChange struct {
	Kind string
	Path string
}

// runtimeMountPoints are paths the runtime creates in every container's
// root filesystem to mount over; they are not the container's own
// changes, so diff leaves them out as podman does.
func runtimeMountPoint(p string) bool {
	switch p {
	case "/dev", "/proc", "/sys", "/run", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
		"/run/.containerenv", "/run/notify", "/run/notify/notify.sock":
		return true
	}
	return false
}

// Diff lists the changes of the container's layer over its image, sorted
// by path.
func (r *Runtime) Diff(ctx context.Context, idOrName string) ([]ContainerChange, error) {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	st, err := r.storage()
	if err != nil {
		return nil, err
	}
	sc, err := st.Container(c.ID)
	if err != nil {
		return nil, fmt.Errorf("container %s: storage: %w", c.Name, err)
	}
	// Read frozen: a running container swapping a directory for a
	// symlink to the host's / during the walk would have the host's file
	// names listed as its changes.
	thaw, err := r.freezeForRead(ctx, c)
	if err != nil {
		return nil, err
	}
	changes, err := st.Changes("", sc.LayerID)
	thaw()
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", c.Name, err)
	}
	out := make([]ContainerChange, 0, len(changes))
	for _, ch := range changes {
		if runtimeMountPoint(ch.Path) {
			continue
		}
		kind := "C"
		switch ch.Kind {
		case archive.ChangeAdd:
			kind = "A"
		case archive.ChangeDelete:
			kind = "D"
		}
		out = append(out, ContainerChange{Kind: kind, Path: ch.Path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Export writes the container's root filesystem to w as an uncompressed
// tar stream. The container may be running or not: its storage is mounted
// for the copy when needed. A running container may change its tree while
// it is read; fscopy reads it through descriptors only, so that no
// symlink it plants or swaps in makes the stream carry the host's files,
// and skips what vanishes meanwhile. Sockets are skipped, hard links
// kept, security.capability and user.* extended attributes stored as PAX
// records, as containers/storage's archives do.
func (r *Runtime) Export(ctx context.Context, idOrName string, w io.Writer) error {
	return r.withRootfs(ctx, idOrName, func(c *Container, rootfs string) error {
		root, err := fscopy.OpenRoot(rootfs)
		if err != nil {
			return fmt.Errorf("export %s: %w", c.Name, err)
		}
		defer root.Close()
		opts := fscopy.TarOptions{NoTop: true, HardLinks: true, Xattrs: true, Tolerant: true, WholeSeconds: true}
		if err := root.WriteTarWith(w, "/", ".", opts); err != nil {
			return fmt.Errorf("export %s: %w", c.Name, err)
		}
		return nil
	})
}

// withRootfs runs fn with the container's root filesystem mounted, under
// the container's lock, so that a run ending meanwhile does not unmount
// it under fn. The mount is released afterwards (a running container's
// own mount stays).
func (r *Runtime) withRootfs(ctx context.Context, idOrName string, fn func(c *Container, rootfs string) error) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	st, err := r.storage()
	if err != nil {
		return err
	}
	rootfs, release, err := r.lookRootfs(st, c)
	if err != nil {
		return fmt.Errorf("mount container %s: %w", c.Name, err)
	}
	defer release()
	return fn(c, rootfs)
}

// MountContainer mounts the container's root filesystem and returns where.
// Each call adds one to the mount count that UnmountContainer takes away.
// Rootless, the mount exists only in the mount namespace pod's pause
// process holds (`pod unshare` enters it).
func (r *Runtime) MountContainer(ctx context.Context, idOrName string) (string, error) {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return "", err
	}
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	p, err := st.Mount(c.ID, "")
	if err != nil {
		return "", fmt.Errorf("mount container %s: %w", c.Name, err)
	}
	r.containerEvent(ctx, c.Container, "mount")
	return p, nil
}

// MountedContainer is a container whose root filesystem is mounted.
type MountedContainer struct {
	ID, Name, MountPoint string
}

// MountedContainers lists the containers whose root filesystem is
// mounted, running ones included.
func (r *Runtime) MountedContainers(ctx context.Context) ([]MountedContainer, error) {
	ctrs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	st, err := r.storage()
	if err != nil {
		return nil, err
	}
	var out []MountedContainer
	for _, c := range ctrs {
		n, err := st.Mounted(c.ID)
		if err != nil || n == 0 {
			continue
		}
		sc, err := st.Container(c.ID)
		if err != nil {
			continue
		}
		l, err := st.Layer(sc.LayerID)
		if err != nil || l.MountPoint == "" {
			continue
		}
		out = append(out, MountedContainer{ID: c.ID, Name: c.Name, MountPoint: l.MountPoint})
	}
	return out, nil
}

// UnmountContainer takes back one MountContainer; with force it unmounts
// whatever the count. The mount a running container itself holds is never
// taken: that is refused as podman refuses it. Unmounting a container that
// is not mounted does nothing.
func (r *Runtime) UnmountContainer(ctx context.Context, idOrName string, force bool) error {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return err
	}
	st, err := r.storage()
	if err != nil {
		return err
	}
	n, err := st.Mounted(c.ID)
	if err != nil {
		return fmt.Errorf("unmount container %s: %w", c.Name, err)
	}
	if n == 0 {
		return nil
	}
	if n == 1 && isActive(c.Status) {
		return errdefs.WithCategory(fmt.Errorf("cannot unmount storage for container %s as it is running or paused", c.Name), ErrCtrStateInvalid)
	}
	if isActive(c.Status) {
		// Never below the run's own mount, even with force.
		force = false
	}
	if _, err := st.Unmount(c.ID, force); err != nil && !isNotMounted(err) {
		return fmt.Errorf("unmount container %s: %w", c.Name, err)
	}
	r.containerEvent(ctx, c.Container, "unmount")
	return nil
}
