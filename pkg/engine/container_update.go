package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/specgen"
)

// Update changes a container's cgroup limits: in its stored configuration,
// and, when it runs, in its cgroup through the runtime. Only the limits
// given change. A container that cannot have limits (rootless on cgroup v1)
// is refused rather than told a change happened.
func (r *Runtime) Update(ctx context.Context, idOrName string, o LimitOptions) (*Container, error) {
	if !o.LimitsSet() {
		return nil, invalidf("nothing to update: give at least one limit flag")
	}
	if len(o.CgroupConf) > 0 {
		return nil, invalidf("--cgroup-conf cannot be changed on an existing container")
	}
	if o.OOMKillDisable {
		return nil, invalidf("--oom-kill-disable cannot be changed on an existing container")
	}
	if !r.cgroupsUsable() {
		return nil, invalidf("cannot update resource limits: %s", specgen.RootlessV1Warning)
	}
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	res, err := specgen.BuildResources(c.Config.Resources, o)
	if err != nil {
		return nil, err
	}
	if isActive(c.Status) && res != nil {
		if len(o.BlkioWeightDevice)+len(o.DeviceReadBps)+len(o.DeviceWriteBps)+len(o.DeviceReadIOPS)+len(o.DeviceWriteIOPS) > 0 || o.MemorySwappiness != nil {
			// runc update applies memory, CPU, pids and the block I/O
			// weight only.
			logrus.Warnf("container %s runs: its per-device block I/O limits and swappiness change at its next start (the runtime cannot update them in place)", c.Name)
		}
		rt, err := r.ociFor(c)
		if err != nil {
			return nil, err
		}
		if err := rt.Update(ctx, c.ID, res); err != nil {
			return nil, fmt.Errorf("update container %s: %w", shortID(c.ID), err)
		}
	}
	c.Config.Resources = res
	b, err := json.Marshal(c.Config)
	if err != nil {
		return nil, err
	}
	c.Container.Config = b
	if err := r.db.Update(ctx, c.Container); err != nil {
		return nil, err
	}
	r.saveRecord(c.Container)
	return c, nil
}
