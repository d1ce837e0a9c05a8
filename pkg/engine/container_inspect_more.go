package engine

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/moby/api/types/blkiodev"
	"github.com/moby/moby/api/types/container"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// inspectMoreResources fills the HostConfig fields of podman's rarer
// limits (per-device block I/O, swappiness, real-time CPU, device cgroup
// rules) into l, as Docker names them.
func inspectMoreResources(l *container.Resources, cfg *ContainerConfig) {
	l.DeviceCgroupRules = []string{}
	for _, r := range cfg.DeviceCgroupRules {
		l.DeviceCgroupRules = append(l.DeviceCgroupRules, r.String())
	}
	l.BlkioWeightDevice = []*blkiodev.WeightDevice{}
	l.BlkioDeviceReadBps = []*blkiodev.ThrottleDevice{}
	l.BlkioDeviceWriteBps = []*blkiodev.ThrottleDevice{}
	l.BlkioDeviceReadIOps = []*blkiodev.ThrottleDevice{}
	l.BlkioDeviceWriteIOps = []*blkiodev.ThrottleDevice{}
	res := cfg.Resources
	if res == nil {
		return
	}
	if m := res.Memory; m != nil && m.Swappiness != nil {
		s := int64(*m.Swappiness)
		l.MemorySwappiness = &s
	}
	if c := res.CPU; c != nil {
		if c.RealtimePeriod != nil {
			l.CPURealtimePeriod = int64(*c.RealtimePeriod)
		}
		if c.RealtimeRuntime != nil {
			l.CPURealtimeRuntime = *c.RealtimeRuntime
		}
	}
	b := res.BlockIO
	if b == nil {
		return
	}
	for _, d := range b.WeightDevice {
		if d.Weight != nil {
			l.BlkioWeightDevice = append(l.BlkioWeightDevice, &blkiodev.WeightDevice{Path: blockDevicePath(d.Major, d.Minor), Weight: *d.Weight})
		}
	}
	for _, t := range []struct {
		from []specs.LinuxThrottleDevice
		to   *[]*blkiodev.ThrottleDevice
	}{
		{b.ThrottleReadBpsDevice, &l.BlkioDeviceReadBps},
		{b.ThrottleWriteBpsDevice, &l.BlkioDeviceWriteBps},
		{b.ThrottleReadIOPSDevice, &l.BlkioDeviceReadIOps},
		{b.ThrottleWriteIOPSDevice, &l.BlkioDeviceWriteIOps},
	} {
		for _, d := range t.from {
			*t.to = append(*t.to, &blkiodev.ThrottleDevice{Path: blockDevicePath(d.Major, d.Minor), Rate: d.Rate})
		}
	}
}

// blockDevicePath names a block device by its numbers, as the user gave
// it: /dev/NAME from the kernel's /sys/dev/block, else MAJOR:MINOR.
func blockDevicePath(major, minor int64) string {
	num := fmt.Sprintf("%d:%d", major, minor)
	if target, err := os.Readlink(filepath.Join("/sys/dev/block", num)); err == nil {
		return "/dev/" + filepath.Base(target)
	}
	return num
}

// umaskOrDefault is the umask inspect shows: --umask's, else 0022 (the
// runtime's default, as podman shows it).
func umaskOrDefault(u string) string {
	if u == "" {
		return "0022"
	}
	return u
}
