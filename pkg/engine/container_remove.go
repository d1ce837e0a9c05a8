package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cstorage "github.com/containers/storage"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/diskspace"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/timings"
)

// RemoveOptions say how Remove treats a running container.
type RemoveOptions struct {
	// Force stops a running container first (Timeout seconds, then
	// SIGKILL; nil: the container's stop timeout).
	Force   bool
	Timeout *int
	// Volumes removes the container's anonymous volumes that no other
	// container uses; a --rm container always does.
	Volumes bool
	// Depend removes the containers that join the container's namespaces
	// (--network container:ID) first; Force does too. Without either such
	// a container is refused.
	Depend bool
	// Removed, if set, is told the ID of each dependent container removed.
	Removed func(id string)
}

// Remove deletes a container: its runtime record, mount, storage and DB
// row. A running container is refused (ErrCtrStateInvalid, an
// errdefs.ErrConflict) unless opts.Force. Whatever state an interrupted
// command left (a row without storage, storage without a mount, a runtime
// record without a monitor) is removed too.
func (r *Runtime) Remove(ctx context.Context, idOrName string, opts RemoveOptions) error {
	c, err := r.get(ctx, idOrName)
	if err != nil {
		return err
	}
	if err := r.refuseInfraRemoval(ctx, c); err != nil {
		return err
	}
	// A running container without --force is refused below, dependents
	// or not.
	if opts.Force || !isActive(c.Status) {
		if err := r.removeDependents(ctx, c, opts); err != nil {
			return err
		}
	}
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	monitor := c.MonitorPID
	if c, err = r.syncLocked(ctx, c.ID); err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return noSuchContainer(idOrName)
		}
		return err
	}
	if isActive(c.Status) {
		if !opts.Force {
			return fmt.Errorf("cannot remove container %s as it is %s - running or paused containers cannot be removed without force: %w", c.ID, c.Status, ErrCtrStateInvalid)
		}
		if err := r.stopLocked(ctx, c, opts.Timeout, false); err != nil {
			// On a full disk the exit of a container that did stop may
			// not be recordable; removing it is what frees the space.
			if !isNoSpace(err) || (conmon.Alive(c.MonitorPID) && !r.exitWritten(c.ID)) {
				return err
			}
		}
	}
	if err := r.removeLocked(ctx, c, monitor); err != nil {
		return err
	}
	if opts.Volumes && !c.Config.AutoRemove {
		r.removeAnonymousVolumes(ctx, c)
	}
	return nil
}

// removeLocked removes a container that does not run. The caller holds its
// lock. The row goes last, so an interrupted removal can be repeated.
func (r *Runtime) removeLocked(ctx context.Context, c *Container, monitor int) error {
	if c.Status != state.StatusRemoving {
		c.Status = state.StatusRemoving
		endDB := timings.Start(ctx, "DB")
		err := r.db.Update(ctx, c.Container)
		endDB()
		if err != nil {
			if !isNoSpace(err) {
				return err
			}
			// The filesystem is full: deleting the storage below frees
			// the space the DB needs to drop the row. Interrupted in
			// between, this leaves a row without storage, which the
			// next rm removes as well.
			logrus.Debugf("remove %s: no space to mark it removing, freeing its storage first: %v", shortID(c.ID), err)
		}
	}
	// A created container may still have a runtime record and a mount
	// when the start that made them was interrupted.
	if !c.released {
		r.releaseRun(ctx, c, true)
	}
	// The monitor of the last run may still be flushing the log and
	// writing the exit file into the directories about to go. Once the
	// exit file is there it writes nothing more there, and it may itself
	// be waiting for an attached pod that waits for this removal
	// (conmon.Config.ClientCleans): do not wait for it then.
	if monitor > 0 && !r.exitWritten(c.ID) {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := conmon.WaitMonitor(wctx, monitor); err != nil {
			logrus.Debugf("remove %s: monitor %d still there: %v", shortID(c.ID), monitor, err)
		}
		cancel()
	}
	st, err := r.storage()
	if err != nil {
		return err
	}
	endRootfs := timings.Start(ctx, "rootfs delete")
	err = st.DeleteContainer(c.ID)
	endRootfs()
	if err != nil && diskspace.IsFull(err) && r.dropLog(c) {
		// Storage rewrites its records before it deletes any data, which
		// needs space; the log was taking it.
		err = st.DeleteContainer(c.ID)
	}
	if err != nil && !errors.Is(err, cstorage.ErrContainerUnknown) && !errors.Is(err, cstorage.ErrNotAContainer) {
		return fmt.Errorf("remove storage of container %s: %w", shortID(c.ID), err)
	}
	endDB := timings.Start(ctx, "DB")
	err = r.db.Remove(ctx, c.ID)
	endDB()
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	r.containerEvent(ctx, c.Container, "remove")
	// Docker removes a --rm container's anonymous volumes with it.
	if c.Config.AutoRemove {
		r.removeAnonymousVolumes(ctx, c)
	}
	// --rmi: the image goes too, unless another container uses it.
	if c.Config.RemoveImage {
		// By the name it was run as: an image of several names only
		// loses that one, as rmi NAME does.
		img := c.Config.ImageName
		if img == "" {
			img = c.Config.ImageID
		}
		if _, errs := r.Images().RemoveImages(ctx, []string{img}, images.RemoveImagesOptions{}); len(errs) > 0 {
			logrus.Debugf("--rmi of %s: %v", shortID(c.ID), errors.Join(errs...))
		}
	}
	// The lock file stays (pkg/lock: lock files are never removed): a
	// process waiting on it gets it and finds the row gone, while another
	// opening the path anew would lock a new file and hold the lock at the
	// same time. IDs are never reused; the files go with the run root.
	return nil
}

// dropLog deletes the log of a container being removed when it is in the
// container's userdata directory (which goes with it anyway), reporting
// whether it did. A log that filled the disk is usually what stands in the
// way of the removal.
func (r *Runtime) dropLog(c *Container) bool {
	dir, err := r.userdataDir(c.ID)
	if err != nil || (c.Config.LogPath != "" && filepath.Dir(c.Config.LogPath) != dir) {
		return false
	}
	return os.Remove(filepath.Join(dir, "ctr.log")) == nil
}

// exitWritten reports whether the monitor of c's last run wrote its exit
// file (the previous run's is removed before a new monitor starts).
func (r *Runtime) exitWritten(id string) bool {
	path, err := r.exitFile(id)
	if err != nil {
		return false
	}
	_, err = os.Stat(path)
	return err == nil
}

// isNotMounted reports a storage error meaning there was nothing to unmount.
func isNotMounted(err error) bool {
	return errors.Is(err, cstorage.ErrLayerNotMounted) || errors.Is(err, cstorage.ErrContainerUnknown) || errors.Is(err, cstorage.ErrLayerUnknown)
}
