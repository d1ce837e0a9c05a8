package engine

import (
	"path"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/specgen"
)

// containerCgroup returns the cgroups path and the limits to ask the
// runtime for. On cgroup v1 the default (relative) path is created by the
// runtime under the cgroup pod runs in. On cgroup v2 the path is made
// absolute here, because the runtimes read a relative one differently
// (crun from the hierarchy's root, runc beside the caller's cgroup) and the
// cgroup pod runs in holds processes, so no controller can be enabled below
// it:
//
//   - root: from the hierarchy's root, /pod/pod-ID (podman's cgroupfs
//     layout, /libpod_parent/libpod-ID), outside any systemd unit that
//     stopping would kill;
//   - rootless: in the subtree systemd delegates to the user,
//     user@UID.service/pod/pod-ID, and a --cgroup-parent, relative or
//     absolute, inside it too, as podman places it: a plain user may create
//     nothing elsewhere. Limits whose controller the user is not given are
//     dropped with one warning.
func (r *Runtime) containerCgroup(cfg *ContainerConfig, id string) (string, *specs.LinuxResources) {
	if cfg.Cgroups == "disabled" {
		return "", nil
	}
	if cfg.CgroupManager == cgroupManagerSystemd {
		// The runtime asks systemd for the scope pod-ID.scope in the
		// slice (podman's libpod-ID.scope in machine.slice).
		p := r.systemdSlice(cfg) + ":pod:" + id
		if !r.Rootless() || cgroups.Detect() != cgroups.Unified {
			return p, cfg.Resources
		}
		return p, r.delegatedResources(cfg.Resources)
	}
	p := specgen.CgroupsPath(cfg, id)
	if cgroups.Detect() != cgroups.Unified {
		return p, cfg.Resources
	}
	if !r.Rootless() {
		return path.Join("/", p), cfg.Resources
	}
	root, ok := cgroups.DelegatedRoot()
	if !ok {
		return p, cfg.Resources
	}
	return inDelegated(root, p), r.delegatedResources(cfg.Resources)
}

// delegatedResources is res without the limits whose controller the user
// is not given, with one warning naming them.
func (r *Runtime) delegatedResources(res *specs.LinuxResources) *specs.LinuxResources {
	root, ok := cgroups.DelegatedRoot()
	if !ok {
		return res
	}
	res, dropped := dropUndelegated(res, cgroups.Controllers(root))
	if len(dropped) > 0 {
		logrus.Warnf("Resource limits for %s are ignored: the cgroup controllers are not delegated to this user (Delegate= of user@.service)", strings.Join(dropped, ", "))
	}
	return res
}

// inDelegated places p, a container's cgroups path, in the delegated
// subtree root: a path already inside it stays as it is.
func inDelegated(root, p string) string {
	if path.IsAbs(p) && (p == root || strings.HasPrefix(p, root+"/")) {
		return p
	}
	return path.Join(root, p)
}

// dropUndelegated returns res without the limits whose controller is not
// in have, and the names of those controllers.
func dropUndelegated(res *specs.LinuxResources, have map[string]bool) (*specs.LinuxResources, []string) {
	if res == nil {
		return nil, nil
	}
	out := *res
	var dropped []string
	drop := func(ctl string) {
		if !have[ctl] {
			dropped = append(dropped, ctl)
		}
	}
	if out.Memory != nil && !have["memory"] {
		drop("memory")
		out.Memory = nil
	}
	if out.Pids != nil && !have["pids"] {
		drop("pids")
		out.Pids = nil
	}
	if out.BlockIO != nil && !have["io"] {
		drop("io")
		out.BlockIO = nil
	}
	if c := out.CPU; c != nil {
		cpu := *c
		if (cpu.Cpus != "" || cpu.Mems != "") && !have["cpuset"] {
			drop("cpuset")
			cpu.Cpus, cpu.Mems = "", ""
		}
		if (cpu.Quota != nil || cpu.Period != nil || cpu.Shares != nil) && !have["cpu"] {
			drop("cpu")
			cpu.Quota, cpu.Period, cpu.Shares = nil, nil, nil
		}
		out.CPU = &cpu
	}
	sort.Strings(dropped)
	return &out, dropped
}
