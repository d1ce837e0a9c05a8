package specgen

import (
	"slices"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/cgroups"
)

// buildMoreResources applies the limits podman has beyond Docker's
// everyday ones: per-device block I/O weights, swappiness, the real-time
// scheduler's budget and raw cgroup v2 files. What the host's cgroups
// cannot hold is dropped with a warning, as Docker and podman do, except
// --cgroup-conf, whose keys exist only on cgroup v2.
func buildMoreResources(res *specs.LinuxResources, o LimitOptions) error {
	unified := cgroups.Detect() == cgroups.Unified
	for _, v := range o.BlkioWeightDevice {
		path, w, ok := strings.Cut(v, ":")
		n, err := strconv.ParseUint(w, 10, 16)
		if !ok || path == "" || err != nil || n < 10 || n > 1000 {
			return invalidf("invalid --blkio-weight-device %q: use DEVICE:WEIGHT, WEIGHT from 10 to 1000", v)
		}
		major, minor, err := blockDevice("--blkio-weight-device", v, path)
		if err != nil {
			return err
		}
		if !blkioWeightSupported() {
			logrus.Warn("Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.")
			continue
		}
		if res.BlockIO == nil {
			res.BlockIO = &specs.LinuxBlockIO{}
		}
		weight := uint16(n)
		wd := specs.LinuxWeightDevice{Weight: &weight}
		wd.Major, wd.Minor = major, minor
		res.BlockIO.WeightDevice = slices.DeleteFunc(slices.Clone(res.BlockIO.WeightDevice), func(d specs.LinuxWeightDevice) bool {
			return d.Major == major && d.Minor == minor
		})
		res.BlockIO.WeightDevice = append(res.BlockIO.WeightDevice, wd)
	}
	if o.MemorySwappiness != nil && *o.MemorySwappiness != -1 {
		s := *o.MemorySwappiness
		if s < 0 || s > 100 {
			return invalidf("invalid --memory-swappiness %d: must be between 0 and 100, or -1 for the kernel's", s)
		}
		if unified {
			// cgroup v2 has no per-cgroup swappiness.
			logrus.Warn("Your kernel does not support memory swappiness capabilities or the cgroup is not mounted (cgroup v2 has none). Memory swappiness discarded.")
		} else {
			if res.Memory == nil {
				res.Memory = &specs.LinuxMemory{}
			}
			u := uint64(s)
			res.Memory.Swappiness = &u
		}
	}
	if o.CPURtPeriod != 0 || o.CPURtRuntime != 0 {
		if o.CPURtPeriod != 0 && o.CPURtRuntime > int64(o.CPURtPeriod) {
			return invalidf("invalid --cpu-rt-runtime %d: must not be larger than --cpu-rt-period %d", o.CPURtRuntime, o.CPURtPeriod)
		}
		if unified || !fileExists("/sys/fs/cgroup/cpu/cpu.rt_period_us") {
			logrus.Warn("Your kernel does not support CPU real-time scheduler (cgroup v1 with CONFIG_RT_GROUP_SCHED). CPU real-time period and runtime discarded.")
		} else {
			if res.CPU == nil {
				res.CPU = &specs.LinuxCPU{}
			}
			if o.CPURtPeriod != 0 {
				p := o.CPURtPeriod
				res.CPU.RealtimePeriod = &p
			}
			if o.CPURtRuntime != 0 {
				r := o.CPURtRuntime
				res.CPU.RealtimeRuntime = &r
			}
		}
	}
	if len(o.CgroupConf) > 0 {
		conf, err := ParseCgroupConf(o.CgroupConf)
		if err != nil {
			return err
		}
		if !unified {
			return invalidf("--cgroup-conf needs cgroup v2: this host's cgroups are v1, whose files the runtime cannot set by name")
		}
		if res.Unified == nil {
			res.Unified = map[string]string{}
		}
		for k, v := range conf {
			res.Unified[k] = v
		}
	}
	return nil
}

// blockDevice is the major and minor number of a block device flag's path.
func blockDevice(flag, v, path string) (int64, int64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, 0, invalidf("invalid %s %q: %v", flag, v, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return 0, 0, invalidf("invalid %s %q: %s is not a block device", flag, v, path)
	}
	return int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev))), nil
}
