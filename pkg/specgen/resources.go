package specgen

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/scope"
)

// LimitOptions are the cgroup flags of create, run and update, as given.
// A zero field is not set (for update: left as it is).
type LimitOptions struct {
	Memory            string // --memory, a size ("512m")
	MemorySwap        string // --memory-swap, a size or "-1" (unlimited)
	MemoryReservation string // --memory-reservation, a size
	CPUs              float64
	CPUShares         uint64
	CPUQuota          int64
	CPUPeriod         uint64
	CpusetCpus        string
	CpusetMems        string
	PidsLimit         *int64 // <= 0: unlimited
	BlkioWeight       uint16
	// DeviceReadBps and the others are --device-read-bps DEVICE:RATE and
	// its kin: a block device's I/O throttled (bytes with a unit, or I/O
	// operations, per second).
	DeviceReadBps, DeviceWriteBps, DeviceReadIOPS, DeviceWriteIOPS []string
	OOMScoreAdj                                                    *int
	OOMKillDisable                                                 bool
	// BlkioWeightDevice are --blkio-weight-device DEVICE:WEIGHT.
	BlkioWeightDevice []string
	// MemorySwappiness is --memory-swappiness, 0 to 100; nil (or -1) is
	// the kernel's.
	MemorySwappiness *int64
	// CPURtPeriod and CPURtRuntime are the real-time scheduler's period
	// and runtime in microseconds (cgroup v1 only).
	CPURtPeriod  uint64
	CPURtRuntime int64
	// CgroupConf are --cgroup-conf KEY=VALUE: files of the container's
	// cgroup v2 directory.
	CgroupConf []string

	CgroupParent string // --cgroup-parent
	Cgroups      string // --cgroups: enabled (default), no-conmon, disabled
	CgroupNS     string // --cgroupns: "" (private on cgroup v2, host on v1), host, private
}

// minMemory is the smallest --memory accepted (Docker's and podman's).
const minMemory = 6 << 20

// DefaultCPUPeriod is the CFS period --cpus divides (100 ms, as Docker).
const DefaultCPUPeriod = 100000

// RootlessV1Warning is podman's wording for limits a rootless container
// on cgroup v1 cannot get.
const RootlessV1Warning = "Resource limits are not supported and ignored on cgroups V1 rootless systems"

// LimitsSet reports whether o asks for any cgroup limit.
func (o LimitOptions) LimitsSet() bool {
	return o.Memory != "" || o.MemorySwap != "" || o.MemoryReservation != "" || o.CPUs != 0 ||
		o.CPUShares != 0 || o.CPUQuota != 0 || o.CPUPeriod != 0 || o.CpusetCpus != "" ||
		o.CpusetMems != "" || o.PidsLimit != nil || o.BlkioWeight != 0 || o.OOMKillDisable ||
		len(o.DeviceReadBps)+len(o.DeviceWriteBps)+len(o.DeviceReadIOPS)+len(o.DeviceWriteIOPS) > 0 ||
		len(o.BlkioWeightDevice) > 0 || o.MemorySwappiness != nil || o.CPURtPeriod != 0 || o.CPURtRuntime != 0 ||
		len(o.CgroupConf) > 0
}

// ApplyLimits checks the cgroup flags and records them in cfg.
// cgroupManager is the engine's (--cgroup-manager); cgroupsUsable says
// whether its containers can get limits at all (not as a plain user on
// cgroup v1, where nobody delegates cgroups): without, limits are dropped
// with podman's warning.
func ApplyLimits(cfg *ContainerConfig, o LimitOptions, cgroupManager string, cgroupsUsable bool) error {
	switch o.Cgroups {
	case "", "enabled", "no-conmon":
		// Under the systemd manager they differ in where the monitor
		// goes: a scope of its own, or where pod runs.
		cfg.Cgroups = o.Cgroups
	case "disabled":
		// No cgroup for the container: it stays in its monitor's. Only
		// crun can (runc always creates one): the engine checks that.
		if o.LimitsSet() {
			return invalidf("--cgroups=disabled: the container has no cgroup to hold resource limits")
		}
		cfg.Cgroups = o.Cgroups
	default:
		return invalidf("invalid --cgroups %q: use enabled, no-conmon or disabled", o.Cgroups)
	}
	switch o.CgroupNS {
	case "", "host", "private":
		cfg.CgroupNS = o.CgroupNS
	default:
		return invalidf("invalid --cgroupns %q: use host or private", o.CgroupNS)
	}
	if err := CheckCgroupManager(cgroupManager); err != nil {
		return err
	}
	cfg.CgroupManager = cgroupManager
	if cfg.CgroupManager == "" {
		cfg.CgroupManager = "cgroupfs"
	}
	if o.CgroupParent != "" && cfg.CgroupManager == "systemd" {
		// The runtime asks systemd for the container's scope in this
		// slice (podman's rule: a slice name, not a path).
		if !strings.HasSuffix(o.CgroupParent, ".slice") || strings.Contains(o.CgroupParent, "/") {
			return invalidf("invalid --cgroup-parent %q: with the systemd cgroup manager give a slice name (machine.slice, my-app.slice)", o.CgroupParent)
		}
		cfg.CgroupParent = o.CgroupParent
	} else if o.CgroupParent != "" {
		if strings.HasSuffix(o.CgroupParent, ".slice") {
			return invalidf("invalid --cgroup-parent %q: a systemd slice needs the systemd cgroup manager; with cgroupfs give a cgroup path", o.CgroupParent)
		}
		if strings.Contains("/"+o.CgroupParent+"/", "/../") {
			return invalidf("invalid --cgroup-parent %q: .. is not allowed", o.CgroupParent)
		}
		cfg.CgroupParent = o.CgroupParent
	}
	if o.OOMScoreAdj != nil {
		if *o.OOMScoreAdj < -1000 || *o.OOMScoreAdj > 1000 {
			return invalidf("invalid --oom-score-adj %d: must be between -1000 and 1000", *o.OOMScoreAdj)
		}
		v := *o.OOMScoreAdj
		cfg.OOMScoreAdj = &v
	}
	res, err := BuildResources(nil, o)
	if err != nil {
		return err
	}
	if res != nil && !cgroupsUsable {
		logrus.Warn(RootlessV1Warning)
		return nil
	}
	cfg.Resources = res
	return nil
}

// CheckCgroupManager accepts cgroupfs, and systemd where systemd runs.
func CheckCgroupManager(m string) error {
	switch m {
	case "", "cgroupfs":
		return nil
	case "systemd":
		if !scope.SystemdRunning() {
			return invalidf("the systemd cgroup manager is not available: systemd is not running on this host (no /run/systemd/system); use --cgroup-manager cgroupfs")
		}
		return nil
	}
	return invalidf("invalid --cgroup-manager %q: use cgroupfs or systemd", m)
}

// BuildResources applies o over base (nil: nothing set) and checks the
// result as Docker and podman do. It returns nil when nothing is limited.
func BuildResources(base *specs.LinuxResources, o LimitOptions) (*specs.LinuxResources, error) {
	res := &specs.LinuxResources{}
	if base != nil {
		res = cloneResources(base)
	}
	mem := func() *specs.LinuxMemory {
		if res.Memory == nil {
			res.Memory = &specs.LinuxMemory{}
		}
		return res.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if res.CPU == nil {
			res.CPU = &specs.LinuxCPU{}
		}
		return res.CPU
	}
	if o.Memory != "" {
		n, err := units.RAMInBytes(o.Memory)
		if err != nil {
			return nil, invalidf("invalid --memory %q: not a size such as 512m or 2g", o.Memory)
		}
		if n < minMemory {
			return nil, invalidf("invalid --memory %q: the minimum memory limit allowed is 6MB", o.Memory)
		}
		mem().Limit = &n
		if o.MemorySwap == "" && swapAccounting() {
			// Docker's default: as much swap as memory.
			s := 2 * n
			mem().Swap = &s
		}
	}
	if o.MemorySwap != "" {
		var n int64 = -1
		if o.MemorySwap != "-1" {
			var err error
			if n, err = units.RAMInBytes(o.MemorySwap); err != nil {
				return nil, invalidf("invalid --memory-swap %q: not a size such as 1g, or -1 (unlimited)", o.MemorySwap)
			}
		}
		if res.Memory == nil || res.Memory.Limit == nil {
			return nil, invalidf("--memory-swap needs --memory: you should always set the memory limit when using the memory+swap limit")
		}
		if n != -1 && n < *res.Memory.Limit {
			return nil, invalidf("invalid --memory-swap %q: the memory+swap limit must not be smaller than --memory", o.MemorySwap)
		}
		if !swapAccounting() {
			logrus.Warn("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.")
		} else {
			mem().Swap = &n
		}
	}
	if o.MemoryReservation != "" {
		n, err := units.RAMInBytes(o.MemoryReservation)
		if err != nil || n < 0 {
			return nil, invalidf("invalid --memory-reservation %q: not a size such as 256m", o.MemoryReservation)
		}
		mem().Reservation = &n
	}
	if m := res.Memory; m != nil && m.Limit != nil && m.Reservation != nil && *m.Limit > 0 && *m.Reservation > *m.Limit {
		return nil, invalidf("--memory-reservation must not be larger than --memory")
	}
	if o.OOMKillDisable && cgroups.Detect() == cgroups.Unified {
		// cgroup v2 has no switch for the OOM killer (crun refuses the
		// setting, runc ignores it): discarded with Docker's warning.
		logrus.Warn("Your kernel does not support OomKillDisable. OomKillDisable discarded.")
	} else if o.OOMKillDisable {
		t := true
		mem().DisableOOMKiller = &t
		if res.Memory.Limit == nil {
			logrus.Warn("Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.")
		}
	}
	if o.CPUs != 0 {
		if o.CPUQuota != 0 || o.CPUPeriod != 0 {
			return nil, invalidf("--cpus conflicts with --cpu-period and --cpu-quota: give either")
		}
		n := float64(runtime.NumCPU())
		if o.CPUs < 0.01 || o.CPUs > n {
			return nil, invalidf("invalid --cpus %g: the range of CPUs is from 0.01 to %.2f, as there are only %d CPUs available", o.CPUs, n, int(n))
		}
		period := uint64(DefaultCPUPeriod)
		quota := int64(math.Round(o.CPUs * DefaultCPUPeriod))
		cpu().Period, cpu().Quota = &period, &quota
	}
	if o.CPUPeriod != 0 {
		if o.CPUPeriod < 1000 || o.CPUPeriod > 1000000 {
			return nil, invalidf("invalid --cpu-period %d: must be between 1000 and 1000000 microseconds", o.CPUPeriod)
		}
		p := o.CPUPeriod
		cpu().Period = &p
	}
	if o.CPUQuota != 0 {
		if o.CPUQuota < 1000 && o.CPUQuota != -1 {
			return nil, invalidf("invalid --cpu-quota %d: must be at least 1000 microseconds, or -1 for no limit", o.CPUQuota)
		}
		q := o.CPUQuota
		cpu().Quota = &q
	}
	if o.CPUShares != 0 {
		if o.CPUShares < 2 || o.CPUShares > 262144 {
			return nil, invalidf("invalid --cpu-shares %d: must be between 2 and 262144", o.CPUShares)
		}
		s := o.CPUShares
		cpu().Shares = &s
	}
	if o.CpusetCpus != "" {
		if err := checkCPUList(o.CpusetCpus); err != nil {
			return nil, invalidf("invalid --cpuset-cpus %q: %v", o.CpusetCpus, err)
		}
		cpu().Cpus = o.CpusetCpus
	}
	if o.CpusetMems != "" {
		if err := checkCPUList(o.CpusetMems); err != nil {
			return nil, invalidf("invalid --cpuset-mems %q: %v", o.CpusetMems, err)
		}
		cpu().Mems = o.CpusetMems
	}
	if o.PidsLimit != nil {
		n := *o.PidsLimit
		if n <= 0 {
			n = -1 // pids.max "max"
		}
		res.Pids = &specs.LinuxPids{Limit: n}
	}
	if o.BlkioWeight != 0 {
		if o.BlkioWeight < 10 || o.BlkioWeight > 1000 {
			return nil, invalidf("invalid --blkio-weight %d: must be between 10 and 1000", o.BlkioWeight)
		}
		if !blkioWeightSupported() {
			logrus.Warn("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
		} else {
			w := o.BlkioWeight
			res.BlockIO = &specs.LinuxBlockIO{Weight: &w}
		}
	}
	for _, t := range []struct {
		flag  string
		specs []string
		dst   func(*specs.LinuxBlockIO) *[]specs.LinuxThrottleDevice
		bytes bool
	}{
		{"--device-read-bps", o.DeviceReadBps, func(b *specs.LinuxBlockIO) *[]specs.LinuxThrottleDevice { return &b.ThrottleReadBpsDevice }, true},
		{"--device-write-bps", o.DeviceWriteBps, func(b *specs.LinuxBlockIO) *[]specs.LinuxThrottleDevice { return &b.ThrottleWriteBpsDevice }, true},
		{"--device-read-iops", o.DeviceReadIOPS, func(b *specs.LinuxBlockIO) *[]specs.LinuxThrottleDevice { return &b.ThrottleReadIOPSDevice }, false},
		{"--device-write-iops", o.DeviceWriteIOPS, func(b *specs.LinuxBlockIO) *[]specs.LinuxThrottleDevice { return &b.ThrottleWriteIOPSDevice }, false},
	} {
		for _, v := range t.specs {
			d, err := throttleDevice(t.flag, v, t.bytes)
			if err != nil {
				return nil, err
			}
			if res.BlockIO == nil {
				res.BlockIO = &specs.LinuxBlockIO{}
			}
			*t.dst(res.BlockIO) = append(*t.dst(res.BlockIO), d)
		}
	}
	if err := buildMoreResources(res, o); err != nil {
		return nil, err
	}
	if res.Memory == nil && res.CPU == nil && res.Pids == nil && res.BlockIO == nil && len(res.Unified) == 0 {
		return nil, nil
	}
	return res, nil
}

// throttleDevice reads DEVICE:RATE of --device-read-bps and its kin: a
// block device's path and a rate, bytes with a unit (bytes) or a count.
func throttleDevice(flag, v string, bytes bool) (specs.LinuxThrottleDevice, error) {
	path, rate, ok := strings.Cut(v, ":")
	if !ok || path == "" || rate == "" {
		return specs.LinuxThrottleDevice{}, invalidf("invalid %s %q: use DEVICE:RATE", flag, v)
	}
	var n uint64
	if bytes {
		b, err := units.RAMInBytes(rate)
		if err != nil || b < 0 {
			return specs.LinuxThrottleDevice{}, invalidf("invalid %s %q: the rate must be a size such as 1mb", flag, v)
		}
		n = uint64(b)
	} else {
		c, err := strconv.ParseUint(rate, 10, 64)
		if err != nil {
			return specs.LinuxThrottleDevice{}, invalidf("invalid %s %q: the rate must be a number of operations", flag, v)
		}
		n = c
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return specs.LinuxThrottleDevice{}, invalidf("invalid %s %q: %v", flag, v, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return specs.LinuxThrottleDevice{}, invalidf("invalid %s %q: %s is not a block device", flag, v, path)
	}
	d := specs.LinuxThrottleDevice{Rate: n}
	d.Major, d.Minor = int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev)))
	return d, nil
}

// cloneResources copies the parts of r that pod sets.
func cloneResources(r *specs.LinuxResources) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	if r.Memory != nil {
		m := *r.Memory
		out.Memory = &m
	}
	if r.CPU != nil {
		c := *r.CPU
		out.CPU = &c
	}
	if r.Pids != nil {
		p := *r.Pids
		out.Pids = &p
	}
	if r.BlockIO != nil {
		b := *r.BlockIO
		out.BlockIO = &b
	}
	if r.Unified != nil {
		out.Unified = maps.Clone(r.Unified)
	}
	return out
}

// checkCPUList checks the kernel's list format: "0-3,5".
func checkCPUList(s string) error {
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return fmt.Errorf("%q is not a number or range", part)
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil || b < a {
				return fmt.Errorf("%q is not a valid range", part)
			}
		}
	}
	return nil
}

// swapAccounting reports whether the memory+swap limit exists here.
func swapAccounting() bool {
	if cgroups.Detect() == cgroups.Unified {
		return fileExists("/sys/fs/cgroup/memory.swap.max") || fileExists("/sys/fs/cgroup/cgroup.controllers")
	}
	return fileExists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
}

// blkioWeightSupported reports whether the block I/O controller has
// weights (only with the BFQ or CFQ scheduler).
func blkioWeightSupported() bool {
	if cgroups.Detect() == cgroups.Unified {
		return fileExists("/sys/fs/cgroup/io.weight") || fileExists("/sys/fs/cgroup/io.bfq.weight")
	}
	return fileExists("/sys/fs/cgroup/blkio/blkio.weight") || fileExists("/sys/fs/cgroup/blkio/blkio.bfq.weight")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// CgroupsPath is where the container's cgroup goes. With cgroupfs, a
// relative path is created by the runtime under the cgroup it runs in,
// which is pod's own (the monitor and runtime inherit it): the container
// stays inside whatever limits the user's session has, as the engine
// itself does. --cgroup-parent overrides the parent.
func CgroupsPath(cfg *ContainerConfig, id string) string {
	parent := cfg.CgroupParent
	if parent == "" {
		parent = "pod"
	}
	return filepath.Join(parent, "pod-"+id)
}
