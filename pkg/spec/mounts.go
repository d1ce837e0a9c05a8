package spec

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// readonlyPaths are Docker's read-only /proc paths.
var readonlyPaths = []string{
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
}

// maskedPaths are Docker's masked paths: the runtime binds /dev/null over
// files and an empty read-only tmpfs over directories, hiding host
// information (kernel memory, keys, timers, firmware, power capping) from
// the container.
func maskedPaths() []string {
	paths := []string{
		"/proc/asound",
		"/proc/acpi",
		"/proc/interrupts",
		"/proc/kcore",
		"/proc/keys",
		"/proc/latency_stats",
		"/proc/timer_list",
		"/proc/timer_stats",
		"/proc/sched_debug",
		"/proc/scsi",
		"/sys/firmware",
		"/sys/devices/virtual/powercap",
	}
	// Per-CPU thermal throttle counters leak host activity (Docker masks
	// the ones that exist).
	cpus, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/thermal_throttle")
	sort.Strings(cpus)
	return append(paths, cpus...)
}

// mounts returns the default mounts, the /etc files, the init binary and
// the user's mounts, in the order the runtime must make them.
func mounts(o Options, h host) []specs.Mount {
	shm := o.ShmSize
	if shm == 0 {
		shm = DefaultShmSize
	}
	pts := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}
	if h.gid5Mapped {
		pts = append(pts, "gid=5")
	}
	ms := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: pts},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", fmt.Sprintf("size=%d", shm)}},
	}
	sysMode, cgroupMode := "ro", "ro"
	if o.Privileged {
		sysMode = "rw"
		// Docker makes the cgroup tree writable only when the container
		// has a cgroup namespace of its own.
		if ownCgroupNS(o, h) {
			cgroupMode = "rw"
		}
	}
	if h.ownNetNS {
		ms = append(ms,
			specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", sysMode}},
			specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", cgroupMode}})
	} else {
		// sysfs may only be mounted by the owner of the network namespace;
		// without one of its own the container gets the host's /sys, cgroup
		// tree included, by a recursive bind.
		ms = append(ms, specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", sysMode}})
	}

	etcMode := "rw"
	if o.ReadOnlyRootfs {
		etcMode = "ro"
	}
	var extra []specs.Mount
	for _, dst := range sortedKeys(o.EtcFiles) {
		extra = append(extra, specs.Mount{Destination: dst, Type: "bind", Source: o.EtcFiles[dst], Options: []string{"rbind", "rprivate", etcMode}})
	}
	if o.InitPath != "" {
		extra = append(extra, specs.Mount{Destination: InitPathInContainer, Type: "bind", Source: o.InitPath, Options: []string{"bind", "ro", "nosuid", "nodev"}})
	}
	extra = append(extra, o.Mounts...)
	return overlay(ms, sortMounts(extra))
}

// overlay adds extra after base, each one replacing any earlier mount with
// the same destination.
func overlay(base, extra []specs.Mount) []specs.Mount {
	out := slices.Clone(base)
	for _, m := range extra {
		dst := filepath.Clean(m.Destination)
		out = slices.DeleteFunc(out, func(b specs.Mount) bool { return filepath.Clean(b.Destination) == dst })
		out = append(out, m)
	}
	return out
}

// sortMounts orders added mounts so that a parent directory is mounted
// before anything inside it (otherwise the parent would hide the child);
// mounts of equal depth keep the user's order.
func sortMounts(ms []specs.Mount) []specs.Mount {
	out := slices.Clone(ms)
	depth := func(p string) int {
		p = filepath.Clean(p)
		if p == "/" {
			return 0
		}
		return strings.Count(p, "/")
	}
	sort.SliceStable(out, func(i, j int) bool { return depth(out[i].Destination) < depth(out[j].Destination) })
	return out
}
