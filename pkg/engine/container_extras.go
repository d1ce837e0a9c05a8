package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/docker/go-units"
	"github.com/moby/sys/user"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/version"
)

// NamespaceOptions are the create flags that choose the container's IPC,
// PID and UTS namespaces and what runs in them: "" or "private" for its
// own, "host" for the host's (pod's, rootless), "container:NAME" to join a
// running container's.
type NamespaceOptions struct {
	IPC, PID, UTS string
	GroupAdd      []string // --group-add: group names (of the image) or GIDs
	Sysctls       []string // --sysctl KEY=VALUE
	ShmSize       string   // --shm-size: bytes with a unit suffix
	TZ            string   // --tz: an area/city of the host's zoneinfo, or "local"
	Expose        []string // --expose PORT[/PROTO] or a range
	// ReadOnlyTmpfs mounts tmpfs on /tmp, /var/tmp and /run of a --read-only
	// container, as podman's --read-only-tmpfs (true unless set false).
	ReadOnlyTmpfs *bool
	Devices       []string // --device HOST[:CONTAINER][:PERMS]
	RemoveImage   bool     // --rmi
	Timeout       uint     // --timeout: seconds before the monitor kills the container; 0 none
}

// applyNamespaceOptions checks o and records it in cfg. Joining another
// container needs it to exist now; it must run when this one starts.
func (r *Runtime) applyNamespaceOptions(ctx context.Context, cfg *ContainerConfig, o NamespaceOptions) error {
	for _, ns := range []struct {
		flag, val string
		dst       *string
	}{{"--ipc", o.IPC, &cfg.IpcMode}, {"--pid", o.PID, &cfg.PidMode}, {"--uts", o.UTS, &cfg.UtsMode}} {
		switch {
		case ns.val == "", ns.val == "private", ns.val == "shareable" && ns.flag == "--ipc":
		case ns.val == "host":
			*ns.dst = "host"
		case strings.HasPrefix(ns.val, netModeCtrPfx):
			other, err := r.get(ctx, strings.TrimPrefix(ns.val, netModeCtrPfx))
			if err != nil {
				return fmt.Errorf("%s %s: %w", ns.flag, ns.val, err)
			}
			*ns.dst = netModeCtrPfx + other.ID
		default:
			return invalidf("invalid %s %q: use private, host or container:NAME", ns.flag, ns.val)
		}
	}
	if cfg.UtsMode != "" && cfg.Hostname != "" {
		return invalidf("--hostname cannot be set with --uts %s: the hostname is not the container's own", o.UTS)
	}
	for _, g := range o.GroupAdd {
		if g == "" || strings.ContainsAny(g, ":\n") {
			return invalidf("invalid --group-add %q: a group name or GID", g)
		}
		cfg.GroupAdd = append(cfg.GroupAdd, g)
	}
	for _, kv := range o.Sysctls {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return invalidf("invalid --sysctl %q: use KEY=VALUE", kv)
		}
		if err := checkSysctl(cfg, k); err != nil {
			return err
		}
		if cfg.Sysctls == nil {
			cfg.Sysctls = map[string]string{}
		}
		cfg.Sysctls[k] = v
	}
	if o.ShmSize != "" {
		n, err := units.RAMInBytes(o.ShmSize)
		if err != nil || n <= 0 {
			return invalidf("invalid --shm-size %q: a size such as 64m", o.ShmSize)
		}
		cfg.ShmSize = n
	}
	if o.TZ != "" {
		if _, err := zoneFile(o.TZ); err != nil {
			return err
		}
		cfg.Timezone = o.TZ
	}
	cfg.ReadOnlyTmpfs = cfg.ReadOnly && (o.ReadOnlyTmpfs == nil || *o.ReadOnlyTmpfs)
	for _, d := range o.Devices {
		dc, err := parseDevice(d)
		if err != nil {
			return err
		}
		cfg.Devices = append(cfg.Devices, dc)
	}
	cfg.RemoveImage = o.RemoveImage
	cfg.Timeout = o.Timeout
	return nil
}

// checkSysctl allows the sysctls Docker and podman allow: those a
// container's own namespaces hold (IPC's kernel.msg*, kernel.sem,
// kernel.shm*, fs.mqueue.*; the network's net.*; UTS's kernel.hostname and
// kernel.domainname), and only when the namespace is the container's.
func checkSysctl(cfg *ContainerConfig, k string) error {
	switch {
	case strings.HasPrefix(k, "net."):
		if cfg.NetworkMode == "host" {
			return invalidf("invalid --sysctl %s: the container shares the host's network namespace", k)
		}
	case k == "kernel.sem" || strings.HasPrefix(k, "kernel.msg") || strings.HasPrefix(k, "kernel.shm") || strings.HasPrefix(k, "fs.mqueue."):
		if cfg.IpcMode == "host" {
			return invalidf("invalid --sysctl %s: the container shares the host's IPC namespace", k)
		}
	case k == "kernel.hostname" || k == "kernel.domainname":
		if cfg.UtsMode == "host" {
			return invalidf("invalid --sysctl %s: the container shares the host's UTS namespace", k)
		}
	default:
		return invalidf("invalid --sysctl %s: not a namespaced sysctl (net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*)", k)
	}
	return nil
}

// zoneFile finds the host file of a --tz value: the host's /etc/localtime
// for "local", else a zone of the host's zoneinfo database.
func zoneFile(tz string) (string, error) {
	p := "/etc/localtime"
	if tz != "local" {
		if strings.HasPrefix(tz, "/") || slices.Contains(strings.Split(tz, "/"), "..") {
			return "", invalidf("invalid --tz %q: an Area/City name such as Europe/Paris, or local", tz)
		}
		p = filepath.Join("/usr/share/zoneinfo", tz)
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return "", invalidf("invalid --tz %q: no such time zone in the host's %s", tz, filepath.Dir(p))
	}
	return p, nil
}

// parseDevice reads --device HOST[:CONTAINER][:PERMS], PERMS of r, w, m.
func parseDevice(s string) (DeviceConfig, error) {
	parts := strings.Split(s, ":")
	d := DeviceConfig{Host: parts[0], Permissions: "rwm"}
	switch len(parts) {
	case 1:
	case 2:
		if isDevicePerms(parts[1]) {
			d.Permissions = parts[1]
		} else {
			d.Container = parts[1]
		}
	case 3:
		d.Container, d.Permissions = parts[1], parts[2]
	default:
		return d, invalidf("invalid --device %q: use HOST[:CONTAINER][:PERMISSIONS]", s)
	}
	if d.Container == "" {
		d.Container = d.Host
	}
	if !strings.HasPrefix(d.Host, "/") || !strings.HasPrefix(d.Container, "/") || !isDevicePerms(d.Permissions) {
		return d, invalidf("invalid --device %q: use HOST[:CONTAINER][:PERMISSIONS], absolute paths and permissions of r, w and m", s)
	}
	var st unix.Stat_t
	if err := unix.Stat(d.Host, &st); err != nil {
		return d, invalidf("invalid --device %q: %v", s, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR && st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return d, invalidf("invalid --device %q: %s is not a character or block device", s, d.Host)
	}
	return d, nil
}

func isDevicePerms(p string) bool {
	return p != "" && strings.Trim(p, "rwm") == ""
}

// dependsOnNamespaces reports whether cfg joins a namespace of the
// container id through --ipc, --pid or --uts container:ID.
func dependsOnNamespaces(cfg *ContainerConfig, id string) bool {
	return cfg.IpcMode == netModeCtrPfx+id || cfg.PidMode == netModeCtrPfx+id || cfg.UtsMode == netModeCtrPfx+id
}

// applyNamespaceSpec applies to the generated spec s what
// applyNamespaceOptions recorded: namespaces shared or joined, extra
// groups, sysctls, the time zone, devices and a read-only container's
// tmpfs mounts. userdata is where files bound into the container live.
func (r *Runtime) applyNamespaceSpec(ctx context.Context, s *specs.Spec, c *Container, rootfs, userdata string) error {
	cfg := c.Config
	for _, ns := range []struct {
		mode string
		typ  specs.LinuxNamespaceType
		proc string
	}{{cfg.IpcMode, specs.IPCNamespace, "ipc"}, {cfg.PidMode, specs.PIDNamespace, "pid"}, {cfg.UtsMode, specs.UTSNamespace, "uts"}} {
		if ns.mode == "" {
			continue
		}
		i := slices.IndexFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == ns.typ })
		if i < 0 {
			continue
		}
		if ns.mode == "host" {
			s.Linux.Namespaces = slices.Delete(s.Linux.Namespaces, i, i+1)
			continue
		}
		other, err := r.Container(ctx, strings.TrimPrefix(ns.mode, netModeCtrPfx))
		if err != nil {
			return fmt.Errorf("join the %s namespace of %s: %w", ns.proc, ns.mode, err)
		}
		if other.Status != state.StatusRunning || other.PID <= 0 {
			return errdefs.Conflictf("join the %s namespace of container %s: it is not running", ns.proc, other.Name)
		}
		s.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", other.PID, ns.proc)
	}
	if cfg.UtsMode != "" {
		s.Hostname = ""
	}
	// podman's sign in the environment, unless the image or -e set one.
	if !slices.ContainsFunc(s.Process.Env, func(e string) bool { return strings.HasPrefix(e, "container=") }) {
		s.Process.Env = append(s.Process.Env, "container=pod")
	}
	if cfg.PidMode == "host" && r.Rootless() {
		// A user namespace may not mount the host's proc: bind it.
		for i, m := range s.Mounts {
			if m.Destination == "/proc" {
				s.Mounts[i] = specs.Mount{Destination: "/proc", Type: "bind", Source: "/proc", Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
			}
		}
	}
	if cfg.IpcMode == "host" {
		_, err := os.Stat("/dev/mqueue")
		hostMqueue := err == nil
		var keep []specs.Mount
		for _, m := range s.Mounts {
			switch {
			case m.Destination == "/dev/shm":
				m = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm", Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
			case m.Destination == "/dev/mqueue" && r.Rootless():
				// The host's IPC namespace's mqueue cannot be mounted from a
				// user namespace: bound, as podman does, when the host has
				// one mounted.
				if !hostMqueue {
					continue
				}
				m = specs.Mount{Destination: "/dev/mqueue", Type: "bind", Source: "/dev/mqueue", Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
			}
			keep = append(keep, m)
		}
		s.Mounts = keep
	}
	if len(cfg.GroupAdd) > 0 {
		gids, err := groupIDs(rootfs, cfg.GroupAdd)
		if err != nil {
			return err
		}
		for _, g := range gids {
			if !slices.Contains(s.Process.User.AdditionalGids, g) {
				s.Process.User.AdditionalGids = append(s.Process.User.AdditionalGids, g)
			}
		}
	}
	if len(cfg.Sysctls) > 0 {
		if s.Linux.Sysctl == nil {
			s.Linux.Sysctl = map[string]string{}
		}
		for k, v := range cfg.Sysctls {
			s.Linux.Sysctl[k] = v
		}
	}
	if cfg.Timezone != "" {
		zone, err := zoneFile(cfg.Timezone)
		if err != nil {
			return err
		}
		// podman's way: the zone's file as /etc/localtime, no TZ variable
		// (which would name a zone the image's zoneinfo may lack).
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/etc/localtime", Type: "bind", Source: zone, Options: []string{"bind", "ro", "nosuid", "nodev", "noexec"}})
	}
	if cfg.ReadOnlyTmpfs {
		have := map[string]bool{}
		for _, m := range s.Mounts {
			have[m.Destination] = true
		}
		for _, dst := range []string{"/tmp", "/var/tmp", "/run"} {
			if !have[dst] {
				s.Mounts = append(s.Mounts, specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs", Options: []string{"rw", "nosuid", "nodev"}})
			}
		}
	}
	if err := applyDevices(s, cfg.Devices, r.Rootless()); err != nil {
		return err
	}
	// The mounts added here go after the spec's: a parent directory
	// (a --read-only-tmpfs /run) must still come before what is inside it
	// (/run/.containerenv).
	depth := func(p string) int { return strings.Count(strings.TrimSuffix(filepath.Clean(p), "/"), "/") }
	slices.SortStableFunc(s.Mounts, func(a, b specs.Mount) int { return depth(a.Destination) - depth(b.Destination) })
	return nil
}

// applyDevices adds --device devices: created by the runtime with a cgroup
// rule allowing them, or, rootless, where mknod is refused, bound from the
// host (podman's way).
func applyDevices(s *specs.Spec, devs []DeviceConfig, rootless bool) error {
	for _, d := range devs {
		var st unix.Stat_t
		if err := unix.Stat(d.Host, &st); err != nil {
			return fmt.Errorf("--device %s: %w", d.Host, err)
		}
		if rootless {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: d.Container, Type: "bind", Source: d.Host, Options: []string{"bind", "nosuid", "noexec"}})
			continue
		}
		typ := "c"
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			typ = "b"
		}
		major, minor := int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev)))
		mode := os.FileMode(st.Mode & 0o777)
		uid, gid := st.Uid, st.Gid
		s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{Path: d.Container, Type: typ, Major: major, Minor: minor, FileMode: &mode, UID: &uid, GID: &gid})
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: &major, Minor: &minor, Access: d.Permissions})
	}
	return nil
}

// groupIDs resolves --group-add values: GIDs as they are, names through the
// image's /etc/group.
func groupIDs(rootfs string, groups []string) ([]uint32, error) {
	var out []uint32
	var known []user.Group
	for _, g := range groups {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			out = append(out, uint32(n))
			continue
		}
		if known == nil {
			h, err := securejoin.OpenInRoot(rootfs, "/etc/group")
			if err != nil {
				return nil, invalidf("--group-add %s: the image has no /etc/group to name groups: %v", g, err)
			}
			f, err := securejoin.Reopen(h, unix.O_RDONLY)
			h.Close()
			if err != nil {
				return nil, fmt.Errorf("--group-add %s: %w", g, err)
			}
			known, err = user.ParseGroup(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("--group-add %s: read the image's /etc/group: %w", g, err)
			}
		}
		i := slices.IndexFunc(known, func(k user.Group) bool { return k.Name == g })
		if i < 0 {
			return nil, invalidf("--group-add %s: no such group in the image's /etc/group", g)
		}
		out = append(out, uint32(known[i].Gid))
	}
	return out, nil
}

// containerEnvFile is /run/.containerenv, podman's sign to programs that
// they run in a container: empty, or, for a --privileged container (which
// may run an engine itself), podman's keys naming the engine and the
// container.
func containerEnvFile(c *Container, rootless bool) []byte {
	if !c.Config.Privileged {
		return []byte{}
	}
	r := 0
	if rootless {
		r = 1
	}
	return fmt.Appendf(nil, "engine=\"pod-%s\"\nname=%q\nid=%q\nimage=%q\nimageid=%q\nrootless=%d\n",
		version.Version, c.Name, c.ID, c.Config.ImageName, c.Config.ImageID, r)
}
