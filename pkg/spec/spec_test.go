package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func mountAt(s *specs.Spec, dst string) *specs.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dst {
			return &s.Mounts[i]
		}
	}
	return nil
}

func hasNS(s *specs.Spec, typ specs.LinuxNamespaceType) (specs.LinuxNamespace, bool) {
	for _, n := range s.Linux.Namespaces {
		if n.Type == typ {
			return n, true
		}
	}
	return specs.LinuxNamespace{}, false
}

func rlimit(s *specs.Spec, typ string) *specs.POSIXRlimit {
	for i := range s.Process.Rlimits {
		if s.Process.Rlimits[i].Type == typ {
			return &s.Process.Rlimits[i]
		}
	}
	return nil
}

func TestGenerate(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "profile.json")
	if err := os.WriteFile(profile, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	badProfile := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badProfile, []byte(`{not json`), 0o644); err != nil {
		t.Fatal(err)
	}
	var ownNofile unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &ownNofile); err != nil {
		t.Fatal(err)
	}
	base := Options{Rootfs: "/rootfs", Args: []string{"sh"}}
	with := func(f func(*Options)) Options { o := base; f(&o); return o }

	tests := []struct {
		name    string
		opts    Options
		wantErr error
		check   func(t *testing.T, s *specs.Spec)
	}{
		{name: "default posture", opts: base, check: func(t *testing.T, s *specs.Spec) {
			for _, typ := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace, specs.NetworkNamespace} {
				if _, ok := hasNS(s, typ); !ok {
					t.Errorf("no %s namespace", typ)
				}
			}
			if _, ok := hasNS(s, specs.UserNamespace); ok {
				t.Error("user namespace without mappings")
			}
			if _, ok := hasNS(s, specs.CgroupNamespace); ok != (cgroups.Detect() == cgroups.Unified) {
				t.Errorf("cgroup namespace = %v on a %s host", ok, cgroups.Detect())
			}
			if c := s.Process.Capabilities; len(c.Bounding) != 14 || !slices.Equal(c.Bounding, DefaultCapabilities()) || !slices.Equal(c.Effective, c.Bounding) || !slices.Equal(c.Permitted, c.Bounding) || c.Inheritable != nil || c.Ambient != nil {
				t.Errorf("capabilities %+v", c)
			}
			if s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction != specs.ActErrno || len(s.Linux.Seccomp.Syscalls) < 10 {
				t.Errorf("seccomp %+v", s.Linux.Seccomp)
			}
			for _, p := range []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"} {
				if !slices.Contains(s.Linux.MaskedPaths, p) {
					t.Errorf("%s not masked", p)
				}
			}
			if !slices.Equal(s.Linux.ReadonlyPaths, []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
				t.Errorf("read-only paths %v", s.Linux.ReadonlyPaths)
			}
			for dst, typ := range map[string]string{"/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/dev/mqueue": "mqueue", "/sys": "sysfs", "/sys/fs/cgroup": "cgroup"} {
				if m := mountAt(s, dst); m == nil || m.Type != typ {
					t.Errorf("mount %s: %+v, want type %s", dst, m, typ)
				}
			}
			if m := mountAt(s, "/dev/shm"); !slices.Contains(m.Options, "size=67108864") {
				t.Errorf("/dev/shm options %v", m.Options)
			}
			if m := mountAt(s, "/dev/pts"); !slices.Contains(m.Options, "newinstance") || !slices.Contains(m.Options, "ptmxmode=0666") || !slices.Contains(m.Options, "gid=5") {
				t.Errorf("/dev/pts options %v", m.Options)
			}
			for _, dst := range []string{"/sys", "/sys/fs/cgroup"} {
				if m := mountAt(s, dst); !slices.Contains(m.Options, "ro") {
					t.Errorf("%s is not read-only: %v", dst, m.Options)
				}
			}
			if s.Process.OOMScoreAdj != nil {
				t.Error("OOMScoreAdj set")
			}
			if s.Process.NoNewPrivileges || s.Root.Readonly || s.Process.Cwd != "/" {
				t.Errorf("process %+v root %+v", s.Process, s.Root)
			}
			if r := rlimit(s, "RLIMIT_NOFILE"); r == nil || r.Hard > ownNofile.Max || r.Hard > 1<<20 || r.Soft != r.Hard {
				t.Errorf("nofile %+v, own hard %d", r, ownNofile.Max)
			}
			if r := rlimit(s, "RLIMIT_NPROC"); r == nil || r.Soft != r.Hard {
				t.Errorf("nproc %+v", r)
			}
			rules := s.Linux.Resources.Devices
			if len(rules) == 0 || rules[0].Allow || rules[0].Access != "rwm" || rules[0].Type != "" {
				t.Errorf("device rules do not start with deny-all: %+v", rules)
			}
			if len(s.Linux.Devices) != 0 {
				t.Errorf("devices %v: the runtime creates the defaults", s.Linux.Devices)
			}
			if !slices.Contains(s.Process.Env, "PATH="+DefaultPath) || !slices.Contains(s.Process.Env, "HOME=/") {
				t.Errorf("env %v", s.Process.Env)
			}
		}},
		{name: "environment", opts: with(func(o *Options) {
			o.Hostname, o.Terminal = "box", true
			o.Env = []string{"PATH=/bin", "A=1", "HOSTNAME=mine"}
			o.User = User{UID: 1000, GID: 100, AdditionalGids: []uint32{10}, Home: "/home/u"}
			o.Cwd = "/work"
		}), check: func(t *testing.T, s *specs.Spec) {
			want := []string{"PATH=/bin", "HOSTNAME=mine", "TERM=xterm", "A=1", "HOME=/home/u"}
			if !slices.Equal(s.Process.Env, want) {
				t.Errorf("env %v, want %v", s.Process.Env, want)
			}
			if u := s.Process.User; u.UID != 1000 || u.GID != 100 || !slices.Equal(u.AdditionalGids, []uint32{100, 10}) {
				t.Errorf("user %+v", u)
			}
			if s.Hostname != "box" || !s.Process.Terminal || s.Process.Cwd != "/work" {
				t.Errorf("hostname %q terminal %v cwd %q", s.Hostname, s.Process.Terminal, s.Process.Cwd)
			}
		}},
		{name: "cap add and drop", opts: with(func(o *Options) {
			o.CapAdd = []string{"net_admin", "CAP_SYS_TIME"}
			o.CapDrop = []string{"CHOWN", "cap_kill"}
		}), check: func(t *testing.T, s *specs.Spec) {
			caps := s.Process.Capabilities.Bounding
			for _, c := range []string{"CAP_NET_ADMIN", "CAP_SYS_TIME", "CAP_SETUID"} {
				if !slices.Contains(caps, c) {
					t.Errorf("%s missing from %v", c, caps)
				}
			}
			for _, c := range []string{"CAP_CHOWN", "CAP_KILL"} {
				if slices.Contains(caps, c) {
					t.Errorf("%s not dropped from %v", c, caps)
				}
			}
			if len(caps) != 14 {
				t.Errorf("%d caps, want 14", len(caps))
			}
		}},
		{name: "drop ALL keeps the added", opts: with(func(o *Options) {
			o.CapDrop = []string{"all"}
			o.CapAdd = []string{"NET_BIND_SERVICE"}
		}), check: func(t *testing.T, s *specs.Spec) {
			if !slices.Equal(s.Process.Capabilities.Bounding, []string{"CAP_NET_BIND_SERVICE"}) {
				t.Errorf("caps %v", s.Process.Capabilities.Bounding)
			}
		}},
		{name: "add ALL minus the dropped", opts: with(func(o *Options) {
			o.CapAdd = []string{"ALL"}
			o.CapDrop = []string{"SYS_ADMIN"}
		}), check: func(t *testing.T, s *specs.Spec) {
			caps := s.Process.Capabilities.Bounding
			if slices.Contains(caps, "CAP_SYS_ADMIN") || !slices.Contains(caps, "CAP_SYS_PTRACE") || len(caps) < 38 {
				t.Errorf("caps %v", caps)
			}
		}},
		{name: "unknown capability", opts: with(func(o *Options) { o.CapAdd = []string{"FLY"} }), wantErr: errdefs.ErrInvalidArg},
		{name: "privileged", opts: with(func(o *Options) { o.Privileged = true }), check: func(t *testing.T, s *specs.Spec) {
			if len(s.Process.Capabilities.Bounding) < 38 || !slices.Contains(s.Process.Capabilities.Effective, "CAP_SYS_ADMIN") {
				t.Errorf("caps %v", s.Process.Capabilities.Bounding)
			}
			if s.Linux.Seccomp != nil || len(s.Linux.MaskedPaths) != 0 || len(s.Linux.ReadonlyPaths) != 0 {
				t.Errorf("seccomp %v masked %v ro %v", s.Linux.Seccomp != nil, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
			}
			if m := mountAt(s, "/sys"); !slices.Contains(m.Options, "rw") || slices.Contains(m.Options, "ro") {
				t.Errorf("/sys options %v", m.Options)
			}
			if len(s.Linux.Devices) == 0 {
				t.Error("no host devices")
			}
			for _, d := range s.Linux.Devices {
				if d.Path == "/dev/console" || strings.HasPrefix(d.Path, "/dev/pts/") {
					t.Errorf("device %s given", d.Path)
				}
			}
			if r := s.Linux.Resources.Devices; len(r) == 0 || !r[0].Allow || r[0].Access != "rwm" {
				t.Errorf("device rules %+v", r)
			}
		}},
		{name: "no new privileges", opts: with(func(o *Options) { o.NoNewPrivileges = true }), check: func(t *testing.T, s *specs.Spec) {
			if !s.Process.NoNewPrivileges {
				t.Error("NoNewPrivileges unset")
			}
		}},
		{name: "seccomp unconfined", opts: with(func(o *Options) { o.Seccomp = "unconfined" }), check: func(t *testing.T, s *specs.Spec) {
			if s.Linux.Seccomp != nil {
				t.Error("seccomp set")
			}
			if len(s.Linux.MaskedPaths) == 0 {
				t.Error("unconfined seccomp unmasked paths")
			}
		}},
		{name: "seccomp profile file", opts: with(func(o *Options) { o.Seccomp = profile }), check: func(t *testing.T, s *specs.Spec) {
			sc := s.Linux.Seccomp
			if sc == nil || sc.DefaultAction != specs.ActErrno || len(sc.Syscalls) != 1 || !slices.Equal(sc.Syscalls[0].Names, []string{"read", "write", "exit"}) {
				t.Errorf("seccomp %+v", sc)
			}
		}},
		{name: "seccomp profile missing", opts: with(func(o *Options) { o.Seccomp = "/nonexistent.json" }), wantErr: errdefs.ErrInvalidArg},
		{name: "seccomp profile malformed", opts: with(func(o *Options) { o.Seccomp = badProfile }), wantErr: errdefs.ErrInvalidArg},
		{name: "seccomp default depends on caps", opts: with(func(o *Options) { o.CapAdd = []string{"SYS_ADMIN"} }), check: func(t *testing.T, s *specs.Spec) {
			allowed := false
			for _, sc := range s.Linux.Seccomp.Syscalls {
				if slices.Contains(sc.Names, "mount") && sc.Action == specs.ActAllow {
					allowed = true
				}
			}
			if !allowed {
				t.Error("CAP_SYS_ADMIN did not allow mount(2) in the default profile")
			}
		}},
		{name: "read-only rootfs", opts: with(func(o *Options) {
			o.ReadOnlyRootfs = true
			o.EtcFiles = map[string]string{"/etc/hosts": "/c/hosts", "/etc/resolv.conf": "/c/resolv.conf"}
		}), check: func(t *testing.T, s *specs.Spec) {
			if !s.Root.Readonly {
				t.Error("root writable")
			}
			for _, dst := range []string{"/etc/hosts", "/etc/resolv.conf"} {
				if m := mountAt(s, dst); m == nil || m.Type != "bind" || !slices.Contains(m.Options, "ro") {
					t.Errorf("%s: %+v", dst, m)
				}
			}
			if m := mountAt(s, "/dev/shm"); slices.Contains(m.Options, "ro") {
				t.Error("/dev/shm read-only")
			}
		}},
		{name: "user mounts override and sort", opts: with(func(o *Options) {
			o.EtcFiles = map[string]string{"/etc/hosts": "/c/hosts"}
			o.Mounts = []specs.Mount{
				{Destination: "/data/sub", Type: "bind", Source: "/h/sub", Options: []string{"rbind"}},
				{Destination: "/dev/shm", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}},
				{Destination: "/data", Type: "bind", Source: "/h/data", Options: []string{"rbind", "ro"}},
				{Destination: "/etc/hosts", Type: "bind", Source: "/mine/hosts", Options: []string{"rbind"}},
			}
			o.ShmSize = 1 << 30
		}), check: func(t *testing.T, s *specs.Spec) {
			var shm, hosts int
			data, sub := -1, -1
			for i, m := range s.Mounts {
				switch m.Destination {
				case "/dev/shm":
					shm++
					if !slices.Equal(m.Options, []string{"size=1m"}) {
						t.Errorf("/dev/shm not the user's: %v", m.Options)
					}
				case "/etc/hosts":
					hosts++
					if m.Source != "/mine/hosts" {
						t.Errorf("/etc/hosts from %s", m.Source)
					}
				case "/data":
					data = i
				case "/data/sub":
					sub = i
				}
			}
			if shm != 1 || hosts != 1 || data < 0 || sub < data {
				t.Errorf("shm %d hosts %d /data at %d /data/sub at %d", shm, hosts, data, sub)
			}
		}},
		{name: "shm size", opts: with(func(o *Options) { o.ShmSize = 1 << 20 }), check: func(t *testing.T, s *specs.Spec) {
			if m := mountAt(s, "/dev/shm"); !slices.Contains(m.Options, "size=1048576") {
				t.Errorf("/dev/shm options %v", m.Options)
			}
		}},
		{name: "negative shm size", opts: with(func(o *Options) { o.ShmSize = -1 }), wantErr: errdefs.ErrInvalidArg},
		{name: "explicit ulimits asked exactly", opts: with(func(o *Options) {
			o.Ulimits = []Ulimit{{Name: "nofile", Soft: 10, Hard: 1 << 40}, {Name: "core", Soft: 0, Hard: Unlimited}}
		}), check: func(t *testing.T, s *specs.Spec) {
			if r := rlimit(s, "RLIMIT_NOFILE"); r == nil || r.Soft != 10 || r.Hard != 1<<40 {
				t.Errorf("nofile %+v", r)
			}
			if r := rlimit(s, "RLIMIT_CORE"); r == nil || r.Hard != Unlimited {
				t.Errorf("core %+v", r)
			}
			if rlimit(s, "RLIMIT_NPROC") == nil {
				t.Error("default nproc lost")
			}
		}},
		{name: "bad ulimit name", opts: with(func(o *Options) { o.Ulimits = []Ulimit{{Name: "files", Soft: 1, Hard: 1}} }), wantErr: errdefs.ErrInvalidArg},
		{name: "ulimit soft above hard", opts: with(func(o *Options) { o.Ulimits = []Ulimit{{Name: "nofile", Soft: 2, Hard: 1}} }), wantErr: errdefs.ErrInvalidArg},
		{name: "init", opts: with(func(o *Options) { o.InitPath = "/usr/bin/catatonit"; o.Args = []string{"sleep", "1"} }), check: func(t *testing.T, s *specs.Spec) {
			if !slices.Equal(s.Process.Args, []string{InitPathInContainer, "--", "sleep", "1"}) {
				t.Errorf("args %v", s.Process.Args)
			}
			if m := mountAt(s, InitPathInContainer); m == nil || m.Source != "/usr/bin/catatonit" || !slices.Contains(m.Options, "ro") {
				t.Errorf("init mount %+v", m)
			}
		}},
		{name: "join network namespace", opts: with(func(o *Options) { o.NetNSPath = "/run/netns/x" }), check: func(t *testing.T, s *specs.Spec) {
			if n, ok := hasNS(s, specs.NetworkNamespace); !ok || n.Path != "/run/netns/x" {
				t.Errorf("network namespace %+v", n)
			}
		}},
		{name: "host network", opts: with(func(o *Options) { o.HostNetwork = true }), check: func(t *testing.T, s *specs.Spec) {
			if _, ok := hasNS(s, specs.NetworkNamespace); ok {
				t.Error("network namespace with host networking")
			}
			if len(s.Linux.Sysctl) != 0 {
				t.Errorf("net sysctls for the host's namespace: %v", s.Linux.Sysctl)
			}
		}},
		{name: "user namespace", opts: with(func(o *Options) {
			o.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			o.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			o.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: 10}}
			o.CgroupsPath = "/pod/x"
		}), check: func(t *testing.T, s *specs.Spec) {
			if _, ok := hasNS(s, specs.UserNamespace); !ok || len(s.Linux.UIDMappings) != 1 || len(s.Linux.GIDMappings) != 1 {
				t.Errorf("user namespace %v maps %v %v", ok, s.Linux.UIDMappings, s.Linux.GIDMappings)
			}
			if m := mountAt(s, "/sys"); m.Type != "sysfs" {
				t.Errorf("/sys %+v: the container owns its network namespace", m)
			}
			// Only a rootless engine loses cgroups on v1; as root the
			// runtime makes them whatever the container's namespace.
			kept := s.Linux.Resources != nil && s.Linux.CgroupsPath != ""
			if want := !inUserNS() || cgroups.Detect() == cgroups.Unified; kept != want {
				t.Errorf("resources kept %v, want %v: %+v %q", kept, want, s.Linux.Resources, s.Linux.CgroupsPath)
			}
		}},
		{name: "user namespace joining a network namespace", opts: with(func(o *Options) {
			o.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1}}
			o.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1}}
			o.NetNSPath = "/run/netns/x"
		}), check: func(t *testing.T, s *specs.Spec) {
			if m := mountAt(s, "/sys"); m.Type != "bind" || m.Source != "/sys" || !slices.Contains(m.Options, "rbind") {
				t.Errorf("/sys %+v, want a bind of the host's", m)
			}
			if mountAt(s, "/sys/fs/cgroup") != nil {
				t.Error("cgroup mounted over the bound /sys")
			}
			if m := mountAt(s, "/dev/pts"); slices.Contains(m.Options, "gid=5") {
				t.Errorf("/dev/pts uses unmapped gid 5: %v", m.Options)
			}
			if len(s.Linux.Sysctl) != 0 {
				t.Errorf("sysctls for a foreign network namespace: %v", s.Linux.Sysctl)
			}
		}},
		{name: "UID mappings without GID mappings", opts: with(func(o *Options) {
			o.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1}}
		}), wantErr: errdefs.ErrInvalidArg},
		{name: "no command", opts: with(func(o *Options) { o.Args = nil }), wantErr: errdefs.ErrInvalidArg},
		{name: "no rootfs", opts: with(func(o *Options) { o.Rootfs = "" }), wantErr: errdefs.ErrInvalidArg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Generate(tc.opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(s); err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func TestResourcesApplied(t *testing.T) {
	// A container's own user namespace does not matter: the runtime's
	// privilege does. As root the runtime makes cgroups on any layout.
	o := Options{Rootfs: "/r", Args: []string{"sh"}, UIDMappings: []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}}
	if got, want := ResourcesApplied(o), !inUserNS() || cgroups.Detect() == cgroups.Unified; got != want {
		t.Errorf("with a user namespace: %v, want %v", got, want)
	}
	if !inUserNS() && !ResourcesApplied(Options{Rootfs: "/r", Args: []string{"sh"}}) {
		t.Error("root: resources not applied")
	}
}

func TestParseUlimit(t *testing.T) {
	tests := []struct {
		in   string
		want Ulimit
		err  string // the whole message, when an error is wanted
	}{
		{in: "nofile=1024:2048", want: Ulimit{Name: "nofile", Soft: 1024, Hard: 2048}},
		{in: "nproc=512", want: Ulimit{Name: "nproc", Soft: 512, Hard: 512}},
		{in: "core=-1", want: Ulimit{Name: "core", Soft: Unlimited, Hard: Unlimited}},
		{in: "core=0:-1", want: Ulimit{Name: "core", Soft: 0, Hard: Unlimited}},
		{in: "nofile=-1", want: Ulimit{Name: "nofile", Soft: Unlimited, Hard: Unlimited}},
		{in: "stack=8192:-1", want: Ulimit{Name: "stack", Soft: 8192, Hard: Unlimited}},
		{in: "nofile=0", want: Ulimit{Name: "nofile", Soft: 0, Hard: 0}},
		// The wording is go-units' (Docker's and podman's), but for numbers.
		{in: "nofile", err: "invalid ulimit argument: nofile"},
		{in: "nofile=", err: `limit "" is not a number`},
		{in: "=1", err: "invalid ulimit type: "},
		{in: "nofile=1:", err: `limit "" is not a number`},
		{in: "files=1", err: "invalid ulimit type: files"},
		{in: "NOFILE=1", err: "invalid ulimit type: NOFILE"},
		{in: "nofile=a", err: `limit "a" is not a number`},
		{in: "nofile=1:b", err: `limit "b" is not a number`},
		{in: "nofile=99999999999999999999", err: `limit "99999999999999999999" is not a number`},
		{in: "nofile=2:1", err: "ulimit soft limit must be less than or equal to hard limit: 2 > 1"},
		{in: "nofile=1:2:3", err: "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`"},
		{in: "nofile=-1:10", err: "ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 10"},
		// go-units takes these; the kernel has no such limit.
		{in: "nofile=-2", err: "negative limit -2 (-1 is unlimited)"},
		{in: "nofile=-5:-1", err: "negative limit -5 (-1 is unlimited)"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseUlimit(tc.in)
			if tc.err != "" {
				if !errors.Is(err, errdefs.ErrInvalidArg) || err.Error() != tc.err {
					t.Fatalf("got %+v, %v; want the invalid-argument error %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestDefaultCapabilities(t *testing.T) {
	caps := DefaultCapabilities()
	if len(caps) != 14 {
		t.Fatalf("%d default capabilities, Docker has 14", len(caps))
	}
	caps[0] = "changed"
	if DefaultCapabilities()[0] != "CAP_CHOWN" {
		t.Error("DefaultCapabilities shares its slice")
	}
}

func TestWriteBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	s, err := Generate(Options{Rootfs: "/rootfs", Args: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second write replaces the first
		if err := WriteBundle(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back specs.Spec
	if err := json.Unmarshal(data, &back); err != nil || back.Root.Path != "/rootfs" || back.Process.Args[0] != "true" {
		t.Fatalf("read back %+v, %v", back.Root, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("bundle holds %d entries, want config.json alone", len(entries))
	}
}

func BenchmarkGenerate(b *testing.B) {
	o := Options{Rootfs: "/rootfs", Args: []string{"sh"}, Hostname: "bench"}
	for b.Loop() {
		if _, err := Generate(o); err != nil {
			b.Fatal(err)
		}
	}
}
