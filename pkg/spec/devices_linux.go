package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func int64p(v int64) *int64 { return &v }

// defaultDeviceRules is Docker's device cgroup allow list (deny
// everything, allow the default devices, deny fuse), completed with the
// default devices Docker leaves to runc to allow (full, ptmx, the pty
// slaves) so that every runtime grants the same. The devices themselves need
// no listing: every OCI runtime creates null, zero, full, random, urandom,
// tty, console and ptmx.
func defaultDeviceRules() []specs.LinuxDeviceCgroup {
	allow := func(major, minor int64) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: int64p(major), Minor: int64p(minor), Access: "rwm"}
	}
	return []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		allow(1, 5), // zero
		allow(1, 3), // null
		allow(1, 9), // urandom
		allow(1, 8), // random
		allow(5, 0), // tty
		allow(5, 1), // console
		{Allow: false, Type: "c", Major: int64p(10), Minor: int64p(229), Access: "rwm"}, // fuse
		allow(1, 7), // full
		allow(5, 2), // ptmx
		{Allow: true, Type: "c", Major: int64p(136), Access: "rwm"}, // pts/*: no minor = any
	}
}

// devices fills the device list and the device cgroup rules: the default
// posture, or the host's devices for a privileged container (bound rather
// than created when in a user namespace, where mknod is refused).
func devices(s *specs.Spec, o Options, h host) error {
	res := &specs.LinuxResources{}
	if o.Resources != nil {
		c := *o.Resources
		res = &c
	}
	if !o.Privileged {
		res.Devices = append(defaultDeviceRules(), res.Devices...)
		s.Linux.Resources = res
		return nil
	}
	res.Devices = append([]specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}, res.Devices...)
	s.Linux.Resources = res
	host, err := hostDevices()
	if err != nil {
		return err
	}
	for _, d := range host {
		if h.userns {
			s.Mounts = overlay(s.Mounts, []specs.Mount{{Destination: d.Path, Type: "bind", Source: d.Path, Options: []string{"bind", "nosuid"}}})
			continue
		}
		s.Linux.Devices = append(s.Linux.Devices, d)
	}
	return nil
}

// runtimeDevices are the devices every OCI runtime makes itself; listing
// them again would have the runtime create (or bind) them twice.
var runtimeDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/console", "/dev/ptmx"}

// hostDevices lists the character and block devices under /dev, skipping
// the per-container trees (pts, shm, mqueue, fd) and the devices the
// runtime provides itself.
func hostDevices() ([]specs.LinuxDevice, error) {
	var out []specs.LinuxDevice
	err := filepath.WalkDir("/dev", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == "/dev" {
				return err
			}
			return nil // a device vanished or is unreadable: skip it
		}
		if d.IsDir() {
			switch d.Name() {
			case "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev":
				return filepath.SkipDir
			}
			return nil
		}
		if slices.Contains(runtimeDevices, path) || d.Type()&fs.ModeDevice == 0 {
			return nil
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return nil
		}
		typ := "c"
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			typ = "b"
		}
		mode := os.FileMode(st.Mode & 0o777)
		uid, gid := st.Uid, st.Gid
		out = append(out, specs.LinuxDevice{
			Path:     path,
			Type:     typ,
			Major:    int64(unix.Major(uint64(st.Rdev))),
			Minor:    int64(unix.Minor(uint64(st.Rdev))),
			FileMode: &mode,
			UID:      &uid,
			GID:      &gid,
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list host devices: %w", err)
	}
	return out, nil
}
