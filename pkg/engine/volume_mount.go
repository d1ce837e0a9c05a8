package engine

import (
	"context"
)

// volumeMountUser is the user a `pod volume mount` records in the volume's
// mount list: containers are recorded by their IDs, so it never clashes
// with one. Mounting twice records it once, so one unmount releases it.
const volumeMountUser = "pod-volume-mount"

// MountVolume mounts a volume's filesystem for use from the host (podman's
// volume mount) and returns its data directory. A volume without a mount
// type (-o type=...) is a plain directory: nothing is mounted and its path
// is returned. Rootless, the mount exists in pod's user and mount namespace
// only (see it with `pod unshare`). The mount is shared with the
// containers that use the volume: it stays until both UnmountVolume and
// the last of them released it.
func (r *Runtime) MountVolume(ctx context.Context, name string) (string, error) {
	v, err := r.db.Volume(ctx, name)
	if err != nil {
		return "", noSuchVolume(name, err)
	}
	path, err := r.volumes().Mount(ctx, volumeRecord(v), volumeMountUser)
	if err != nil {
		return "", err
	}
	r.volumeEvent(ctx, "mount", name)
	return path, nil
}

// UnmountVolume takes back MountVolume's mount; the filesystem is
// unmounted when no running container uses it either. Unmounting a volume
// that is not mounted does nothing.
func (r *Runtime) UnmountVolume(ctx context.Context, name string) error {
	v, err := r.db.Volume(ctx, name)
	if err != nil {
		return noSuchVolume(name, err)
	}
	if err := r.volumes().Unmount(ctx, volumeRecord(v), volumeMountUser); err != nil {
		return err
	}
	r.volumeEvent(ctx, "unmount", name)
	return nil
}
