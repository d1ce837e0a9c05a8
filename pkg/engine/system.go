package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/diskspace"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/rootless"
)

// SystemPruneOptions select what SystemPrune removes besides stopped
// containers, dangling images and unused networks.
type SystemPruneOptions struct {
	All     bool // every image no container uses, not only dangling ones
	Volumes bool // volumes no container uses
	// Filters (label=, label!=, until=) select the containers, networks,
	// volumes and images removed; pods are removed only without filters
	// (podman's rule: its pod prune takes none).
	Filters []string
}

// SystemPruneReport is what SystemPrune removed.
type SystemPruneReport struct {
	Pods       []string // IDs of pods with nothing running, removed first
	Containers []PruneReport
	Networks   []string
	Volumes    []string
	Images     []string
	// Reclaimed is the space freed: container layers, and image layers
	// and volume data no longer on disk.
	Reclaimed int64
}

// SystemPrune removes pods with nothing running, stopped containers, then unused networks, (with
// Volumes) unused volumes and dangling images (with All, every unused
// image), in that order so that what the containers held is free when its
// turn comes. It goes on after a failure and returns every error.
func (r *Runtime) SystemPrune(ctx context.Context, o SystemPruneOptions) (*SystemPruneReport, error) {
	rep := &SystemPruneReport{}
	before, err := r.DiskUsage(ctx)
	if err != nil {
		return nil, err
	}
	var ctrFilter *PruneFilter
	var netFilter *NetworkFilter
	if len(o.Filters) > 0 {
		if ctrFilter, err = ParsePruneFilter(o.Filters, time.Now()); err != nil {
			return nil, err
		}
		if netFilter, err = ParseNetworkPruneFilters(o.Filters); err != nil {
			return nil, err
		}
	}
	var errs []error
	if len(o.Filters) == 0 {
		var perrs []error
		rep.Pods, perrs = r.PrunePods(ctx)
		errs = append(errs, perrs...)
	}
	if rep.Containers, err = r.PruneContainers(ctx, ctrFilter); err != nil {
		errs = append(errs, err)
	}
	for _, c := range rep.Containers {
		if c.Err != nil {
			errs = append(errs, c.Err)
		} else {
			rep.Reclaimed += c.Size
		}
	}
	if rep.Networks, err = r.NetworkPrune(ctx, netFilter); err != nil {
		errs = append(errs, err)
	}
	if o.Volumes {
		if rep.Volumes, err = r.PruneVolumes(ctx, o.Filters); err != nil {
			errs = append(errs, err)
		}
	}
	if rep.Images, err = r.Images().PruneImages(ctx, images.PruneImagesOptions{All: o.All, Filters: o.Filters}); err != nil {
		errs = append(errs, err)
	}
	if after, err := r.DiskUsage(ctx); err == nil {
		rep.Reclaimed += max(0, before.ImagesSize-after.ImagesSize)
		rep.Reclaimed += max(0, volumesSize(before)-volumesSize(after))
	}
	return rep, errors.Join(errs...)
}

func volumesSize(du *DiskUsage) int64 {
	var n int64
	for _, v := range du.Volumes {
		n += v.Size
	}
	return n
}

// Roots are the storage's graph root (images, containers, volumes, the
// state DB) and run root.
func (r *Runtime) Roots() (graph, run string) { return r.storeOpts.GraphRoot, r.storeOpts.RunRoot }

// ResetReport is what Reset removed.
type ResetReport struct {
	GraphRoot, RunRoot string
	PauseEnded         bool
}

// Reset removes everything of this installation: every container (stopped
// first), volume, network and image, then the storage, the state DB and
// the run root's contents, and for a rootless user the pause process. r is
// closed when it returns and must not be used again.
func (r *Runtime) Reset(ctx context.Context) (*ResetReport, error) {
	rep := &ResetReport{GraphRoot: r.storeOpts.GraphRoot, RunRoot: r.storeOpts.RunRoot}
	var errs []error
	errs = append(errs, r.removeAllPods(ctx)...)
	cs, err := r.Containers(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	// Everything goes: no container gets time to shut down cleanly, as in
	// podman's reset.
	zero := 0
	for _, c := range cs {
		if err := r.Remove(ctx, c.ID, RemoveOptions{Force: true, Volumes: true, Timeout: &zero}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if _, verrs := r.RemoveVolumes(ctx, nil, RemoveVolumesOptions{All: true, Force: true}); len(verrs) > 0 {
		errs = append(errs, verrs...)
	}
	if st, err := r.storage(); err != nil {
		errs = append(errs, err)
	} else {
		nets, err := r.NetworkList(ctx, nil)
		if err != nil {
			errs = append(errs, err)
		}
		for _, n := range nets {
			if n.Name == network.DefaultName {
				continue
			}
			if _, err := r.NetworkRemove(ctx, n.Name, true); err != nil {
				errs = append(errs, err)
			}
		}
		if _, ierrs := r.images.RemoveImages(ctx, nil, images.RemoveImagesOptions{All: true, Force: true}); len(ierrs) > 0 {
			errs = append(errs, ierrs...)
		}
		// Unmount whatever is left before the files go.
		if _, err := st.Shutdown(true); err != nil {
			logrus.Warnf("shut down storage: %v", err)
		}
		r.store, r.images = nil, nil
	}
	if len(errs) > 0 && allFull(errs) {
		// The disk is full, and storage cannot rewrite its own records
		// to remove objects one by one. Deleting the directories does
		// what removing each would have, and frees the space, once no
		// container process is left and nothing is mounted below them.
		if err := r.resetOnFullDisk(ctx, cs, rep); err != nil {
			errs = append(errs, err)
		} else {
			logrus.Warnf("reset: the disk is full (%v): removing the files directly", errors.Join(errs...))
			errs = nil
		}
	}
	if len(errs) > 0 {
		// Deleting the files under objects that could not be removed
		// would leave mounts and processes behind: stop here, as podman
		// does, and say what is in the way.
		r.Close()
		return rep, fmt.Errorf("reset: %w", errors.Join(errs...))
	}
	if err := r.db.Close(); err != nil {
		errs = append(errs, err)
	}
	for _, dir := range []string{rep.GraphRoot, rep.RunRoot} {
		if err := removeContents(dir); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Rootless() {
		ended, err := rootless.EndPause(filepath.Join(r.storeOpts.GraphRoot, "pod"))
		if err != nil {
			errs = append(errs, err)
		}
		rep.PauseEnded = ended
	}
	return rep, errors.Join(errs...)
}

// allFull reports whether every error in errs is a lack of space.
func allFull(errs []error) bool {
	for _, err := range errs {
		if !isNoSpace(err) {
			return false
		}
	}
	return true
}

// isNoSpace reports whether err is a lack of space, from the state DB
// (a *diskspace.Error) or the system (ENOSPC, EDQUOT).
func isNoSpace(err error) bool {
	var de *diskspace.Error
	return errors.As(err, &de) || diskspace.IsFull(err)
}

// resetOnFullDisk makes it safe for Reset to delete the roots although
// removing the objects in them failed for lack of space: it kills what
// still runs (the stop that records it could not) and unmounts whatever is
// mounted below the roots.
func (r *Runtime) resetOnFullDisk(ctx context.Context, cs []*Container, rep *ResetReport) error {
	for _, c := range cs {
		if !conmon.Alive(c.MonitorPID) {
			continue
		}
		if rt, err := r.ociFor(c); err == nil {
			_ = rt.Kill(ctx, c.ID, unix.SIGKILL, true)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := conmon.WaitMonitor(wctx, c.MonitorPID)
		cancel()
		if err != nil && conmon.Alive(c.MonitorPID) {
			return fmt.Errorf("reset: container %s still runs: %w", shortID(c.ID), err)
		}
	}
	points, err := mountsBelow(rep.GraphRoot, rep.RunRoot)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("reset: unmount %s: %w", p, err)
		}
	}
	return nil
}

// mountsBelow lists the mount points strictly below any of dirs, deepest
// first (a --root that is itself a mount point stays mounted).
func mountsBelow(dirs ...string) ([]string, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 5 {
			continue
		}
		// The fifth field is the mount point, with spaces and the like
		// escaped in octal (\040).
		p := unescapeOctal(fields[4])
		for _, d := range dirs {
			if strings.HasPrefix(p, d+"/") {
				points = append(points, p)
				break
			}
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	return points, nil
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeContents removes everything inside dir, leaving dir itself (it may
// be a mount point or named by --root).
func removeContents(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if err := removeAllSettling(p); err != nil {
			errs = append(errs, fmt.Errorf("reset: remove %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// removeAllSettling is os.RemoveAll, tried again for a moment while a
// directory keeps refilling: the monitor of a container the reset just
// killed may still be writing its last files (exit file, lock) below it.
func removeAllSettling(p string) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = os.RemoveAll(p); err == nil || !errors.Is(err, syscall.ENOTEMPTY) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// MigrateReport is what Migrate did.
type MigrateReport struct {
	Stopped    []string // names of the containers stopped
	PauseEnded bool
}

// Migrate prepares a rootless user's installation for new /etc/subuid or
// /etc/subgid ranges: it stops every running container and ends the pause
// process, so that the next command creates a user namespace with the
// new ranges. As root there is no user namespace and it does nothing.
func (r *Runtime) Migrate(ctx context.Context) (*MigrateReport, error) {
	rep := &MigrateReport{}
	if !r.Rootless() {
		return rep, nil
	}
	cs, err := r.Containers(ctx)
	if err != nil {
		return rep, err
	}
	for _, c := range cs {
		if !isActive(c.Status) {
			continue
		}
		if err := r.Stop(ctx, c.ID, nil); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return rep, fmt.Errorf("migrate: stop %s: %w", c.Name, err)
		}
		rep.Stopped = append(rep.Stopped, c.Name)
	}
	if rep.PauseEnded, err = rootless.EndPause(filepath.Join(r.storeOpts.GraphRoot, "pod")); err != nil {
		return rep, err
	}
	return rep, nil
}
