// Package spec generates the OCI runtime configuration (config.json) of a
// container with Docker's default security posture: private pid, ipc, uts,
// mount and network namespaces (and cgroup on a unified cgroup host),
// Docker's 14 default capabilities, Docker's default seccomp profile (from
// github.com/moby/profiles/seccomp), the masked and read-only /proc and /sys
// paths, and the standard /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys
// and /sys/fs/cgroup mounts.
//
// The package only builds data: it never mounts, writes cgroups or starts
// processes, except WriteBundle, which writes config.json.
package spec

import (
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// DefaultPath is the PATH a container gets when neither the image nor the
// user sets one (Docker's value).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// DefaultShmSize is the size of /dev/shm when Options.ShmSize is 0 (64 MiB,
// as Docker).
const DefaultShmSize = 64 << 20

// InitPathInContainer is where Options.InitPath is bound inside the
// container; Generate prepends it (and "--") to the command.
const InitPathInContainer = "/run/pod-init"

// User is the identity the container's process runs as.
type User struct {
	UID, GID       uint32
	AdditionalGids []uint32
	Home           string // from the image's passwd file; "" = unknown
}

// Options says what container to describe. The zero value of every field
// except Rootfs and Args means Docker's default.
type Options struct {
	Rootfs   string   // mounted root filesystem
	Args     []string // final argv (entrypoint+cmd already merged by the engine)
	Env      []string // KEY=VALUE; Generate adds PATH (if absent), HOSTNAME, TERM=xterm when Terminal, HOME (if absent)
	Cwd      string   // "" = "/"
	User     User
	Terminal bool
	Hostname string

	ReadOnlyRootfs bool
	// Mounts are the user's mounts (-v binds, --tmpfs), added after the
	// defaults; one with the destination of a default mount replaces it.
	Mounts []specs.Mount
	// EtcFiles maps a container path to the host file bound there
	// (/etc/hosts, /etc/hostname, /etc/resolv.conf); read-only when the
	// root filesystem is.
	EtcFiles map[string]string

	CapAdd, CapDrop []string // "NET_ADMIN" or "CAP_NET_ADMIN", "ALL"; case-insensitive
	// DefaultCaps are the capabilities before CapAdd and CapDrop
	// (containers.conf's default_capabilities); nil is Docker's set,
	// DefaultCapabilities.
	DefaultCaps []string
	// Privileged gives all capabilities, no seccomp, no masked or read-only
	// paths, a writable /sys and the host's devices.
	Privileged      bool
	NoNewPrivileges bool
	// Seccomp is "" for Docker's default profile, "unconfined" for none, or
	// the path of a JSON profile in Docker's format.
	Seccomp string
	Ulimits []Ulimit // explicit --ulimit values, asked for exactly
	// InitPath is the host path of an init binary (catatonit, tini), bound
	// read-only at InitPathInContainer and prepended to Args.
	InitPath string

	NetNSPath string // "" = a new network namespace; a path = join it
	// JoinNamespaces are namespaces (IPC, UTS, PID) to join by path
	// instead of making new ones: a pod's, held by its infra container.
	JoinNamespaces map[specs.LinuxNamespaceType]string
	HostNetwork    bool // share the host's network namespace

	CgroupsPath string // "" = let the runtime decide
	// CgroupNS is the container's cgroup namespace: "" gives Docker's
	// default (a private one on cgroup v2, the host's on v1), "host" the
	// host's, "private" a new one.
	CgroupNS string
	// Resources are the cgroup limits. They cannot be honoured by a
	// rootless container on cgroup v1: see ResourcesApplied.
	Resources *specs.LinuxResources

	// UIDMappings and GIDMappings, when set, put the container in a new
	// user namespace with these maps.
	UIDMappings, GIDMappings []specs.LinuxIDMapping
	// UserNSPath, with the mappings, is a user namespace with those maps
	// to join instead of making one: the owner of NetNSPath.
	UserNSPath string

	ShmSize     int64 // bytes; 0 = DefaultShmSize
	Annotations map[string]string
}

// Generate builds the runtime configuration for o. Bad capabilities,
// ulimits, seccomp profiles and sizes are errors wrapping
// errdefs.ErrInvalidArg.
func Generate(o Options) (*specs.Spec, error) {
	if o.Rootfs == "" {
		return nil, errdefs.InvalidArgumentf("no root filesystem")
	}
	if len(o.Args) == 0 {
		return nil, errdefs.InvalidArgumentf("no command specified")
	}
	if o.CgroupNS != "" && o.CgroupNS != "host" && o.CgroupNS != "private" {
		return nil, errdefs.InvalidArgumentf("invalid cgroup namespace mode %q: use host or private", o.CgroupNS)
	}
	if (len(o.UIDMappings) == 0) != (len(o.GIDMappings) == 0) {
		return nil, errdefs.InvalidArgumentf("a user namespace needs both UID and GID mappings")
	}
	if o.ShmSize < 0 {
		return nil, errdefs.InvalidArgumentf("invalid shm size %d", o.ShmSize)
	}
	h := probeHost(o)

	caps, err := capabilities(o.CapAdd, o.CapDrop, o.Privileged, o.DefaultCaps)
	if err != nil {
		return nil, err
	}
	rlimits, err := rlimits(o.Ulimits)
	if err != nil {
		return nil, err
	}

	args := slices.Clone(o.Args)
	if o.InitPath != "" {
		args = append([]string{InitPathInContainer, "--"}, args...)
	}
	cwd := o.Cwd
	if cwd == "" {
		cwd = "/"
	}

	s := &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: o.Rootfs, Readonly: o.ReadOnlyRootfs},
		Hostname: o.Hostname,
		Process: &specs.Process{
			Terminal: o.Terminal,
			User: specs.User{
				UID:            o.User.UID,
				GID:            o.User.GID,
				AdditionalGids: groups(o.User),
			},
			Args:            args,
			Env:             environment(o),
			Cwd:             cwd,
			Capabilities:    &specs.LinuxCapabilities{Bounding: caps, Effective: slices.Clone(caps), Permitted: slices.Clone(caps)},
			Rlimits:         rlimits,
			NoNewPrivileges: o.NoNewPrivileges,
		},
		Linux: &specs.Linux{
			Namespaces:  namespaces(o, h),
			UIDMappings: slices.Clone(o.UIDMappings),
			GIDMappings: slices.Clone(o.GIDMappings),
			CgroupsPath: o.CgroupsPath,
			Sysctl:      sysctls(o, h),
		},
		Annotations: o.Annotations,
	}
	if !o.Privileged {
		s.Linux.MaskedPaths = maskedPaths()
		s.Linux.ReadonlyPaths = slices.Clone(readonlyPaths)
	}
	s.Mounts = mounts(o, h)
	if err := devices(s, o, h); err != nil {
		return nil, err
	}
	if !h.cgroupsUsable {
		// A rootless runtime cannot write cgroup v1 files: asking would
		// fail the start. ResourcesApplied tells the engine to warn.
		s.Linux.Resources = nil
		s.Linux.CgroupsPath = ""
	}
	if s.Linux.Seccomp, err = seccompProfile(o, s); err != nil {
		return nil, err
	}
	return s, nil
}

// ResourcesApplied reports whether Generate keeps o.Resources and
// o.CgroupsPath. It is false for a rootless engine (one inside a user
// namespace) on a cgroup v1 host, where an unprivileged runtime cannot
// create cgroups: the engine should warn that resource limits are ignored.
// A container's own user namespace does not matter: as root the runtime
// makes its cgroups before entering it.
func ResourcesApplied(o Options) bool { return probeHost(o).cgroupsUsable }

// host is what Generate needs to know about the machine and the
// container's namespaces.
type host struct {
	cgroupMode cgroups.Mode
	// userns: the container runs in a user namespace other than the
	// initial one (its own, or the engine's rootless one).
	userns bool
	// ownNetNS: the container's network namespace is owned by its user
	// namespace, so it may mount sysfs and write net.* sysctls.
	ownNetNS      bool
	cgroupsUsable bool
	gid5Mapped    bool // /dev/pts may use gid=5 (tty)
}

func probeHost(o Options) host {
	h := host{cgroupMode: cgroups.Detect()}
	engineUserNS := inUserNS()
	h.userns = engineUserNS || len(o.UIDMappings) > 0
	switch {
	case o.HostNetwork:
		h.ownNetNS = !h.userns
	case o.NetNSPath == "":
		h.ownNetNS = true // created by the runtime, after the user namespace
	case len(o.UIDMappings) > 0:
		// Joined from outside: its owner is a parent of the container's
		// new user namespace, never that namespace itself, unless the
		// container joins its owner.
		h.ownNetNS = o.UserNSPath != ""
	default:
		h.ownNetNS = !engineUserNS || ownedByOwnUserNS(o.NetNSPath)
	}
	h.cgroupsUsable = !engineUserNS || h.cgroupMode == cgroups.Unified
	h.gid5Mapped = !h.userns || gidMapped(o, engineUserNS, 5)
	return h
}

// groups lists the primary group first among the supplementary ones, as
// Docker (through containerd) does: `id` then shows it in groups=.
func groups(u User) []uint32 {
	gids := []uint32{u.GID}
	for _, g := range u.AdditionalGids {
		if !slices.Contains(gids, g) {
			gids = append(gids, g)
		}
	}
	return gids
}

// environment returns Docker's defaults (PATH, HOSTNAME, TERM) overridden
// or extended by o.Env in order, then HOME when nothing set it.
func environment(o Options) []string {
	env := []string{"PATH=" + DefaultPath}
	if o.Hostname != "" {
		env = append(env, "HOSTNAME="+o.Hostname)
	}
	if o.Terminal {
		env = append(env, "TERM=xterm")
	}
	index := map[string]int{}
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	for _, kv := range o.Env {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			env[i] = kv
			continue
		}
		index[k] = len(env)
		env = append(env, kv)
	}
	if _, ok := index["HOME"]; !ok {
		home := o.User.Home
		if home == "" {
			home = "/"
		}
		env = append(env, "HOME="+home)
	}
	return env
}

func namespaces(o Options, h host) []specs.LinuxNamespace {
	ns := []specs.LinuxNamespace{
		{Type: specs.PIDNamespace},
		{Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace},
		{Type: specs.MountNamespace},
	}
	if !o.HostNetwork {
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: o.NetNSPath})
	}
	if ownCgroupNS(o, h) {
		ns = append(ns, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	if len(o.UIDMappings) > 0 {
		ns = append(ns, specs.LinuxNamespace{Type: specs.UserNamespace, Path: o.UserNSPath})
	}
	for i := range ns {
		if p, ok := o.JoinNamespaces[ns[i].Type]; ok {
			ns[i].Path = p
		}
	}
	return ns
}

// ownCgroupNS says whether the container gets a cgroup namespace of its
// own. Docker and podman give one by default on cgroup v2 only; on v1 they
// share the host's.
func ownCgroupNS(o Options, h host) bool {
	switch o.CgroupNS {
	case "host":
		return false
	case "private":
		return true
	}
	return h.cgroupMode == cgroups.Unified
}

// sysctls are Docker's defaults for a container with a network namespace
// of its own: binding ports below 1024 and ICMP echo sockets need no
// privilege inside it.
func sysctls(o Options, h host) map[string]string {
	if o.HostNetwork || !h.ownNetNS {
		return nil
	}
	m := map[string]string{"net.ipv4.ip_unprivileged_port_start": "0"}
	if !h.userns {
		// In a user namespace the range must hold mapped GIDs only.
		m["net.ipv4.ping_group_range"] = "0 2147483647"
	}
	return m
}

// sortedKeys returns m's keys in order, so generated specs are stable.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fileExists reports whether path exists on the host.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
