// Package cgroups tells which cgroup layout the host has and reads and
// writes the controller files pod needs.
package cgroups

import "golang.org/x/sys/unix"

// Mode is the host's cgroup layout.
type Mode string

const (
	V1      Mode = "v1"     // legacy controllers only
	Hybrid  Mode = "hybrid" // legacy controllers plus a (usually empty) unified hierarchy
	Unified Mode = "v2"     // the unified hierarchy alone
)

// Root is where the cgroup filesystems are mounted.
const Root = "/sys/fs/cgroup"

// Detect reads the layout from the filesystem types under /sys/fs/cgroup.
func Detect() Mode {
	var st unix.Statfs_t
	if err := unix.Statfs(Root, &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return Unified
	}
	if err := unix.Statfs(Root+"/unified", &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return Hybrid
	}
	return V1
}

// Version is the cgroup version containers get: "v2" only on a unified host.
func (m Mode) Version() string {
	if m == Unified {
		return "v2"
	}
	return "v1"
}
