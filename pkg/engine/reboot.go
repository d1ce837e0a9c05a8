package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/state"
)

// checkReboot compares the kernel's boot id with the one the state DB
// records. On a new boot every container the DB says is running, paused,
// stopping or initialized is marked exited: its processes, monitor and
// mounts are gone. The boot id lives in the DB, not the run root: the run
// root is not always a tmpfs (it is not on this host), and two run roots
// may serve one graph root. The common case, the same boot, costs one read.
func (r *Runtime) checkReboot(ctx context.Context) error {
	boot, err := state.BootID()
	if err != nil {
		return err
	}
	if recorded, ok, err := r.db.RecordedBoot(ctx); err != nil || (ok && recorded == boot) {
		return err
	}
	return r.sweepAfterReboot(ctx, boot)
}

// sweepAfterReboot is the first command of a boot: one transaction
// (state.RecordBoot) records the boot and marks what ran exited, so that
// racing first commands sweep once and a container another process starts
// afterwards is never swept. It holds the locks of the containers it may
// sweep until it has also released their network addresses: a start of
// one of them, which takes its lock, waits for the sweep to finish.
func (r *Runtime) sweepAfterReboot(ctx context.Context, boot string) error {
	rows, err := r.db.List(ctx)
	if err != nil {
		return err
	}
	var ids []string
	for _, row := range rows {
		if isActive(row.Status) {
			ids = append(ids, row.ID)
		}
	}
	// One order for every process: two first commands cannot deadlock.
	sort.Strings(ids)
	var locks []*lock.Lock
	defer func() {
		for _, l := range locks {
			l.Release()
		}
	}()
	for _, id := range ids {
		l, err := r.lockContainer(ctx, id)
		if err != nil {
			return err
		}
		locks = append(locks, l)
	}
	swept, _, err := r.db.RecordBoot(ctx, boot, unknownExitCode, time.Now())
	if err != nil {
		return fmt.Errorf("record the boot: %w", err)
	}
	for _, row := range swept {
		r.releaseLeasesAfterReboot(ctx, row)
	}
	return nil
}

// releaseLeasesAfterReboot gives back the addresses a container running at
// the reboot held, and undoes what of its run outlived the boot: pod's lease
// DB forgets its leases by itself at a new boot, but an older pod's
// host-local lease files (/var/lib/cni/networks) outlive it, while the
// record of the run (in the run root) did not: left alone, the container's
// next start is refused its own address. The namespace and the host side
// died with the boot; a teardown without a namespace releases by container
// ID. Rootless leases live in the run root and went with it. Best effort: a
// failure is a warning, the start that follows reports what still fails.
func (r *Runtime) releaseLeasesAfterReboot(ctx context.Context, row *state.Container) {
	if r.Rootless() {
		return
	}
	c, err := wrap(row)
	if err != nil || c.Config.NetworkMode != netModeBridge || len(c.Config.Networks) == 0 {
		return
	}
	if err := r.networks().Teardown(ctx, netContainer(c), "", c.Config.Networks, nil); err != nil {
		logrus.Warnf("release the network addresses of %s after a reboot: %v", shortID(c.ID), err)
	}
}
