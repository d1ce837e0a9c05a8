package engine

import (
	"context"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/specgen"
)

// InspectLimits are the cgroup fields of HostConfig, with Docker's names.
type InspectLimits struct {
	Memory            int64  `json:"Memory"`
	MemorySwap        int64  `json:"MemorySwap"`
	MemoryReservation int64  `json:"MemoryReservation"`
	NanoCpus          int64  `json:"NanoCpus"`
	CpuShares         uint64 `json:"CpuShares"`
	CpuPeriod         uint64 `json:"CpuPeriod"`
	CpuQuota          int64  `json:"CpuQuota"`
	CpusetCpus        string `json:"CpusetCpus"`
	CpusetMems        string `json:"CpusetMems"`
	PidsLimit         int64  `json:"PidsLimit"`
	BlkioWeight       uint16 `json:"BlkioWeight"`
	OomScoreAdj       int    `json:"OomScoreAdj"`
	OomKillDisable    bool   `json:"OomKillDisable"`
	CgroupParent      string `json:"CgroupParent"`
	Cgroups           string `json:"Cgroups"`
	CgroupManager     string `json:"CgroupManager"`
	// CgroupMode is podman's name for the cgroup namespace: private or
	// host.
	CgroupMode string `json:"CgroupMode"`
}

func inspectLimits(cfg *ContainerConfig) InspectLimits {
	l := InspectLimits{CgroupParent: cfg.CgroupParent, Cgroups: cfg.Cgroups, CgroupManager: cfg.CgroupManager}
	if l.Cgroups == "" {
		l.Cgroups = "enabled"
	}
	l.CgroupMode = cfg.CgroupNS
	if l.CgroupMode == "" {
		l.CgroupMode = "host"
		if cgroups.Detect() == cgroups.Unified {
			l.CgroupMode = "private"
		}
	}
	if cfg.OOMScoreAdj != nil {
		l.OomScoreAdj = *cfg.OOMScoreAdj
	}
	res := cfg.Resources
	if res == nil {
		return l
	}
	if m := res.Memory; m != nil {
		if m.Limit != nil {
			l.Memory = *m.Limit
		}
		if m.Swap != nil {
			l.MemorySwap = *m.Swap
		}
		if m.Reservation != nil {
			l.MemoryReservation = *m.Reservation
		}
		l.OomKillDisable = m.DisableOOMKiller != nil && *m.DisableOOMKiller
	}
	if c := res.CPU; c != nil {
		if c.Shares != nil {
			l.CpuShares = *c.Shares
		}
		if c.Period != nil {
			l.CpuPeriod = *c.Period
		}
		if c.Quota != nil {
			l.CpuQuota = *c.Quota
		}
		if c.Period != nil && c.Quota != nil && *c.Period == specgen.DefaultCPUPeriod && *c.Quota > 0 {
			// What --cpus set, as Docker reports it.
			l.NanoCpus = *c.Quota * 1e9 / specgen.DefaultCPUPeriod
		}
		l.CpusetCpus, l.CpusetMems = c.Cpus, c.Mems
	}
	if res.Pids != nil {
		l.PidsLimit = res.Pids.Limit
	}
	if res.BlockIO != nil && res.BlockIO.Weight != nil {
		l.BlkioWeight = *res.BlockIO.Weight
	}
	return l
}

// inspectVolumeMounts shows a volume mount as Docker does: its name in
// Name and the volume's data directory in Source.
func (r *Runtime) inspectVolumeMounts(ctx context.Context, doc *ContainerInspect) {
	vs := r.volumes()
	for i := range doc.Mounts {
		m := &doc.Mounts[i]
		if m.Type != mountVolume {
			continue
		}
		m.Name = m.Source
		if _, err := r.db.Volume(ctx, m.Name); err == nil {
			m.Source = vs.Path(m.Name)
		}
	}
}
