package engine

import (
	"context"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/specgen"
)

// A pod with limits (--memory, --cpus, ...) gets a cgroup of its own that
// every container of the pod, the infra container too, is placed under:
// its limits bound them together, as podman's pod cgroup. With cgroupfs it
// is the directory PARENT/pod_ID (PARENT being the pod's --cgroup-parent,
// else "pod", placed as a container's cgroup is: see containerCgroup);
// under the systemd manager the slice PARENT-pod_ID.slice. The pod's
// containers take it as their cgroup parent. It is made (and its limits
// written) whenever one of them starts, from the process that starts it,
// which resolves a relative cgroup v1 path as the runtime it runs will; it
// goes with the pod. A pod without limits gets none: its containers are
// placed as they would be outside a pod.

// podCgroupName is the cgroup pod p's containers get as their parent.
func podCgroupName(manager, parent, podID string) string {
	if manager == cgroupManagerSystemd {
		if parent == "" {
			parent = "machine.slice"
		}
		return strings.TrimSuffix(parent, ".slice") + "-pod_" + podID + ".slice"
	}
	if parent == "" {
		parent = "pod"
	}
	return path.Join(parent, "pod_"+podID)
}

// podLimits turns the pod's limit flags into the limits its cgroup gets:
// checked as a container's are, and dropped with the same warning where
// this engine's containers can have none (a plain user on cgroup v1, or
// controllers not delegated on v2).
func (r *Runtime) podLimits(base *specs.LinuxResources, o LimitOptions, weightDevices []string) (*specs.LinuxResources, error) {
	o.CgroupParent, o.Cgroups, o.CgroupNS = "", "", ""
	res, err := specgen.BuildResources(base, o)
	if err != nil {
		return nil, err
	}
	if res, err = addWeightDevices(res, weightDevices); err != nil {
		return nil, err
	}
	if res == nil {
		return nil, nil
	}
	if !r.cgroupsUsable() {
		logrus.Warn(specgen.RootlessV1Warning)
		return nil, nil
	}
	if r.Rootless() {
		if _, ok := cgroups.DelegatedRoot(); !ok {
			logrus.Warn("Resource limits are ignored: this user has no cgroup subtree delegated by systemd")
			return nil, nil
		}
		res = r.delegatedResources(res)
	}
	return res, nil
}

// addWeightDevices adds --blkio-weight-device DEVICE:WEIGHT to res.
func addWeightDevices(res *specs.LinuxResources, in []string) (*specs.LinuxResources, error) {
	for _, v := range in {
		dev, w, ok := strings.Cut(v, ":")
		n, err := strconv.ParseUint(w, 10, 16)
		if !ok || dev == "" || err != nil || n < 10 || n > 1000 {
			return nil, invalidf("invalid --blkio-weight-device %q: use DEVICE:WEIGHT, a weight between 10 and 1000", v)
		}
		var st unix.Stat_t
		if err := unix.Stat(dev, &st); err != nil {
			return nil, invalidf("invalid --blkio-weight-device %q: %v", v, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFBLK {
			return nil, invalidf("invalid --blkio-weight-device %q: %s is not a block device", v, dev)
		}
		weight := uint16(n)
		if res == nil {
			res = &specs.LinuxResources{}
		}
		if res.BlockIO == nil {
			res.BlockIO = &specs.LinuxBlockIO{}
		}
		wd := specs.LinuxWeightDevice{Weight: &weight}
		wd.Major, wd.Minor = int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev)))
		res.BlockIO.WeightDevice = append(res.BlockIO.WeightDevice, wd)
	}
	return res, nil
}

// podCgroupGroup is pod p's cgroupfs cgroup as this process resolves it,
// the way containerCgroup resolves a container's; false when the pod has
// none this engine can make.
func (r *Runtime) podCgroupGroup(cfg *PodConfig) (cgroups.Group, bool) {
	if cfg.CgroupPath == "" || cfg.CgroupManager == cgroupManagerSystemd || !r.cgroupsUsable() {
		return cgroups.Group{}, false
	}
	mode := cgroups.Detect()
	if mode != cgroups.Unified {
		return cgroups.Group{Mode: mode, Path: cfg.CgroupPath}, true
	}
	if !r.Rootless() {
		return cgroups.Group{Mode: mode, Path: path.Join("/", cfg.CgroupPath)}, true
	}
	root, ok := cgroups.DelegatedRoot()
	if !ok {
		return cgroups.Group{}, false
	}
	return cgroups.Group{Mode: mode, Path: inDelegated(root, cfg.CgroupPath), Delegated: root}, true
}

// ensurePodCgroup makes the cgroup of c's pod, with its limits, before c
// starts below it.
func (r *Runtime) ensurePodCgroup(ctx context.Context, c *Container) error {
	if c.PodID == "" {
		return nil
	}
	row, err := r.db.GetPod(ctx, c.PodID)
	if err != nil {
		return fmt.Errorf("pod of %s: %w", c.Name, err)
	}
	p, err := wrapPod(row)
	if err != nil || p.Config.CgroupPath == "" {
		return err
	}
	if p.Config.CgroupManager == cgroupManagerSystemd {
		return r.ensurePodSlice(ctx, p)
	}
	g, ok := r.podCgroupGroup(p.Config)
	if !ok {
		return nil
	}
	if err := g.Create(p.Config.Resources); err != nil {
		return fmt.Errorf("make the cgroup of pod %s: %w", p.Name, err)
	}
	return nil
}

// removePodCgroup removes pod p's cgroup once its containers are gone. The
// kernel frees a cgroup a moment after its last process is reaped, so a
// busy one is tried again for a while; what stays is a warning, not a
// failure of the removal of the pod.
func (r *Runtime) removePodCgroup(ctx context.Context, p *Pod) {
	if p.Config.CgroupPath == "" {
		return
	}
	if p.Config.CgroupManager == cgroupManagerSystemd {
		if err := r.systemdBus().StopUnit(ctx, p.Config.CgroupPath); err != nil {
			logrus.Warnf("remove the cgroup of pod %s: %v", p.Name, err)
		}
		return
	}
	g, ok := r.podCgroupGroup(p.Config)
	if !ok {
		return
	}
	var err error
	for delay := 10 * time.Millisecond; delay < 2*time.Second; delay *= 2 {
		if err = g.Remove(); err == nil {
			return
		}
		time.Sleep(delay)
	}
	logrus.Warnf("remove the cgroup of pod %s: %v", p.Name, err)
}

// ensurePodSlice makes pod p's slice under the systemd manager, with its
// limits as the slice's properties (systemd writes them and keeps them);
// per-device I/O limits, which systemd takes only by device path, are
// written into the slice's cgroup.
func (r *Runtime) ensurePodSlice(ctx context.Context, p *Pod) error {
	res := p.Config.Resources
	if err := r.systemdBus().StartSlice(ctx, p.Config.CgroupPath, sliceProperties(res)); err != nil {
		return fmt.Errorf("make the slice of pod %s: %w", p.Name, err)
	}
	if res == nil || res.BlockIO == nil {
		return nil
	}
	b := res.BlockIO
	devs := &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{WeightDevice: b.WeightDevice,
		ThrottleReadBpsDevice: b.ThrottleReadBpsDevice, ThrottleWriteBpsDevice: b.ThrottleWriteBpsDevice}}
	top := ""
	if r.Rootless() {
		root, ok := cgroups.DelegatedRoot()
		if !ok {
			return nil
		}
		top = root
	}
	g := cgroups.Group{Mode: cgroups.Unified, Path: path.Join("/", top, slicePath(p.Config.CgroupPath)), Delegated: top}
	if err := g.Create(devs); err != nil {
		return fmt.Errorf("set the device limits of pod %s: %w", p.Name, err)
	}
	return nil
}

// slicePath is where systemd puts slice name in the cgroup tree: each
// dash of the name is a level ("a-b.slice" is a.slice/a-b.slice).
func slicePath(name string) string {
	base := strings.TrimSuffix(name, ".slice")
	parts := strings.Split(base, "-")
	out := ""
	for i := range parts {
		out = path.Join(out, strings.Join(parts[:i+1], "-")+".slice")
	}
	return out
}

// sliceProperties are res as systemd's resource properties.
func sliceProperties(res *specs.LinuxResources) []sd.Property {
	var props []sd.Property
	prop := func(name string, v any) { props = append(props, sd.Property{Name: name, Value: dbus.MakeVariant(v)}) }
	if res == nil {
		return nil
	}
	if m := res.Memory; m != nil && m.Limit != nil && *m.Limit > 0 {
		prop("MemoryMax", uint64(*m.Limit))
		if m.Swap != nil && *m.Swap > 0 {
			prop("MemorySwapMax", uint64(max(*m.Swap-*m.Limit, 0)))
		}
	}
	if c := res.CPU; c != nil {
		if c.Quota != nil && *c.Quota > 0 {
			period := uint64(specgen.DefaultCPUPeriod)
			if c.Period != nil && *c.Period > 0 {
				period = *c.Period
			}
			// systemd keeps a quota per second in steps of 10 ms (1%).
			perSec := uint64(math.Ceil(float64(*c.Quota)*1e6/float64(period)/1e4)) * 1e4
			prop("CPUQuotaPerSecUSec", perSec)
			prop("CPUQuotaPeriodUSec", period)
		}
		if c.Shares != nil {
			prop("CPUWeight", cgroups.SharesToWeight(*c.Shares))
		}
		if c.Cpus != "" {
			prop("AllowedCPUs", cpuMask(c.Cpus))
		}
		if c.Mems != "" {
			prop("AllowedMemoryNodes", cpuMask(c.Mems))
		}
	}
	if b := res.BlockIO; b != nil && b.Weight != nil {
		prop("IOWeight", cgroups.BlkioToIOWeight(*b.Weight))
	}
	return props
}

// cpuMask is a CPU list ("0-2,5") as systemd's bitmask: bit i of byte j is
// CPU 8j+i. The list was checked at create.
func cpuMask(list string) []byte {
	var mask []byte
	set := func(n int) {
		for len(mask) <= n/8 {
			mask = append(mask, 0)
		}
		mask[n/8] |= 1 << (n % 8)
	}
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for n := a; n <= b; n++ {
			set(n)
		}
	}
	return mask
}

// errPodCgroupParent refuses a member's own --cgroup-parent in a pod with a
// cgroup: the pod's limits would not bound it.
func errPodCgroupParent(pod string) error {
	return invalidf("--cgroup-parent cannot be set for a container of pod %s: its containers are placed in the pod's cgroup, which holds the pod's limits", pod)
}
