package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	sysuser "github.com/moby/sys/user"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/specgen"
)

// ProcessOptions are podman's create flags about the container's process
// and the files pod writes for it (--env-host, --umask, --pidfile, ...).
type ProcessOptions = specgen.ProcessOptions

// systemdStopSignal is the signal that makes systemd shut down (podman's
// stop signal in init mode).
const systemdStopSignal = "SIGRTMIN+3"

// applyProcessOptions checks what of o needs no image and records it in
// cfg. The rest (environment, init mode, image volumes) is
// applyImageProcessOptions's, once the image is known.
func (r *Runtime) applyProcessOptions(ctx context.Context, cfg *ContainerConfig, o ProcessOptions, addHosts []string) error {
	var err error
	if cfg.Annotations, err = specgen.ParseAnnotations(o.Annotations); err != nil {
		return err
	}
	if cfg.Umask, err = specgen.ParseUmask(o.Umask); err != nil {
		return err
	}
	if err := specgen.CheckHostFile("--pidfile", o.PidFile); err != nil {
		return err
	}
	if err := specgen.CheckHostFile("--conmon-pidfile", o.ConmonPidFile); err != nil {
		return err
	}
	cfg.PidFile, cfg.ConmonPidFile = o.PidFile, o.ConmonPidFile
	for _, d := range o.ChrootDirs {
		if !filepath.IsAbs(d) || filepath.Clean(d) == "/" {
			return invalidf("invalid --chrootdirs %q: an absolute path inside the container, not /", d)
		}
		cfg.ChrootDirs = append(cfg.ChrootDirs, filepath.Clean(d))
	}
	cfg.UnsetEnv, cfg.UnsetEnvAll = o.UnsetEnv, o.UnsetEnvAll
	if _, err := specgen.SystemdMode(o.Systemd, nil); err != nil {
		return err
	}
	cfg.SystemdMode = o.Systemd
	switch o.SeccompPolicy {
	case "", "default", "image":
	default:
		return invalidf("invalid --seccomp-policy %q: use default or image", o.SeccompPolicy)
	}
	if err := specgen.CheckImageVolume(o.ImageVolume); err != nil {
		return err
	}
	for _, s := range o.DeviceCgroupRules {
		rule, err := specgen.ParseDeviceCgroupRule(s)
		if err != nil {
			return err
		}
		cfg.DeviceCgroupRules = append(cfg.DeviceCgroupRules, rule)
	}
	if len(cfg.DeviceCgroupRules) > 0 && r.Rootless() {
		return invalidf("--device-cgroup-rule is not supported rootless: a user namespace has no device cgroup to change (use --device)")
	}
	for _, name := range o.Requires {
		for _, n := range strings.Split(name, ",") {
			other, err := r.get(ctx, n)
			if err != nil {
				return fmt.Errorf("--requires %s: %w", n, err)
			}
			if !slices.Contains(cfg.Requires, other.ID) {
				cfg.Requires = append(cfg.Requires, other.ID)
			}
		}
	}
	cfg.NoPasswd = o.Passwd != nil && !*o.Passwd
	cfg.PasswdEntry = o.PasswdEntry
	if cfg.HostUsers, err = hostUserEntries(o.HostUsers); err != nil {
		return err
	}
	if err := r.checkPersonality(ctx, o.Personality); err != nil {
		return err
	}
	cfg.Personality = o.Personality
	if o.InitPath != "" && cfg.Init {
		fi, err := os.Stat(o.InitPath)
		if err != nil || !fi.Mode().IsRegular() {
			return invalidf("invalid --init-path %q: not a file on the host", o.InitPath)
		}
		cfg.InitPath = o.InitPath
	}
	return nil
}

// defaultEnv is the container's environment before -e and --env-file:
// containers.conf's under the image's, with what --env-host,
// --http-proxy, --env-merge and --unsetenv do to it.
func (r *Runtime) defaultEnv(image []string, o ProcessOptions) ([]string, error) {
	if len(image) == 0 && !o.UnsetEnvAll && !slices.Contains(o.UnsetEnv, "PATH") {
		image = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	return specgen.DefaultEnv(r.confEnv(image), o, os.Environ())
}

// applySystemdMode puts cfg in systemd's init mode when --systemd says so
// for its command: systemd's stop signal unless --stop-signal gave one.
func applySystemdMode(cfg *ContainerConfig, userStopSignal string) error {
	on, err := specgen.SystemdMode(cfg.SystemdMode, append(slices.Clone(cfg.Entrypoint), cfg.Cmd...))
	if err != nil {
		return err
	}
	cfg.Systemd = on
	if on && userStopSignal == "" {
		cfg.StopSignal = systemdStopSignal
	}
	return nil
}

// imageVolumeMounts are the mounts the image's VOLUMEs get as
// --image-volume says: anonymous volumes (bind, the default), tmpfs, or
// none (ignore).
func imageVolumeMounts(mode string, vols map[string]struct{}, have []MountConfig) []MountConfig {
	ms := imageVolumes(vols, have)
	switch mode {
	case "ignore":
		return nil
	case "tmpfs":
		for i := range ms {
			ms[i] = MountConfig{Type: "tmpfs", Source: "tmpfs", Destination: ms[i].Destination, Options: []string{"rw"}}
		}
	}
	return ms
}

// applyProcessSpec applies to the generated spec s what the process
// options recorded: the umask, --unsetenv, systemd's init mode and the
// device cgroup rules. given is the environment the container was given
// (its configuration's and its secrets').
func (r *Runtime) applyProcessSpec(s *specs.Spec, c *Container, given []string) error {
	cfg := c.Config
	if cfg.Umask != "" {
		n, err := strconv.ParseUint(cfg.Umask, 8, 32)
		if err != nil {
			return invalidf("invalid umask %q", cfg.Umask)
		}
		u := uint32(n)
		s.Process.User.Umask = &u
	}
	if cfg.Systemd {
		applySystemdSpec(s, c)
	}
	if cfg.Personality != "" {
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.LinuxPersonalityDomain(cfg.Personality)}
	}
	s.Process.Env = specgen.DropDefaultEnv(s.Process.Env, cfg, given)
	for _, rule := range cfg.DeviceCgroupRules {
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, specs.LinuxDeviceCgroup{
			Allow: true, Type: rule.Type, Major: rule.Major, Minor: rule.Minor, Access: rule.Access,
		})
	}
	return nil
}

// applySystemdSpec makes the container a place systemd can run as PID 1,
// as podman's --systemd does: tmpfs on /run, /run/lock, /tmp and
// /var/lib/journal, a writable /sys/fs/cgroup where the container has its
// own cgroup namespace on cgroup v2 (on v1 it stays read-only), and
// container_uuid in the environment.
func applySystemdSpec(s *specs.Spec, c *Container) {
	have := map[string]bool{}
	for _, m := range s.Mounts {
		have[m.Destination] = true
	}
	for _, t := range []struct{ dst, opts string }{
		{"/run", "rw,rprivate,nosuid,nodev"},
		{"/run/lock", "rw,rprivate,nosuid,nodev"},
		{"/tmp", "rw,rprivate,nosuid,nodev"},
		{"/var/lib/journal", "rw,rprivate,nosuid,nodev"},
	} {
		if !have[t.dst] {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: t.dst, Type: "tmpfs", Source: "tmpfs", Options: strings.Split(t.opts, ",")})
		}
	}
	if cgroups.Detect() == cgroups.Unified && c.Config.CgroupNS != "host" {
		for i, m := range s.Mounts {
			if m.Destination == "/sys/fs/cgroup" {
				s.Mounts[i].Options = slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "ro" })
				s.Mounts[i].Options = append(s.Mounts[i].Options, "rw")
			}
		}
	}
	if !slices.ContainsFunc(s.Process.Env, func(e string) bool { return strings.HasPrefix(e, "container_uuid=") }) {
		s.Process.Env = append(s.Process.Env, "container_uuid="+c.ID[:32])
	}
	// A parent directory's mount (/run) before what is inside it
	// (/run/.containerenv, /run/secrets).
	depth := func(p string) int { return strings.Count(strings.TrimSuffix(filepath.Clean(p), "/"), "/") }
	slices.SortStableFunc(s.Mounts, func(a, b specs.Mount) int { return depth(a.Destination) - depth(b.Destination) })
}

// writePidFiles writes --pidfile and --conmon-pidfile for the run that
// just started. A failure is a warning: the container runs.
func writePidFiles(c *Container) {
	for _, f := range []struct {
		path string
		pid  int
	}{{c.Config.PidFile, c.PID}, {c.Config.ConmonPidFile, c.MonitorPID}} {
		if f.path == "" || f.pid <= 0 {
			continue
		}
		if err := writeFileAtomic(f.path, []byte(strconv.Itoa(f.pid)+"\n")); err != nil {
			logrus.Warnf("container %s: write %s: %v", shortID(c.ID), f.path, err)
		}
	}
}

// startRequired starts the containers c --requires that do not run.
func (r *Runtime) startRequired(ctx context.Context, c *Container) error {
	for _, id := range c.Config.Requires {
		if err := r.Start(ctx, id, StartOptions{}); err != nil {
			return fmt.Errorf("start %s, which container %s requires: %w", shortID(id), c.Name, err)
		}
	}
	return nil
}

// chrootEtcFiles binds pod's /etc/hostname, /etc/hosts and
// /etc/resolv.conf into each --chrootdirs directory too, as podman does,
// for programs that chroot there.
func chrootEtcFiles(dirs []string, etcFiles map[string]string) {
	for _, d := range dirs {
		for _, f := range []string{"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"} {
			if p, ok := etcFiles[f]; ok {
				etcFiles[filepath.Join(d, f)] = p
			}
		}
	}
}

// seccompImageLabel is the image label --seccomp-policy=image reads.
const seccompImageLabel = "io.containers.seccomp.profile"

// imageSeccomp records the image's seccomp profile when
// --seccomp-policy=image asks for it and no --security-opt seccomp= chose
// one.
func imageSeccomp(cfg *ContainerConfig, policy string, labels map[string]string) error {
	p := labels[seccompImageLabel]
	if policy != "image" || p == "" || cfg.Seccomp != "" {
		return nil
	}
	if !json.Valid([]byte(p)) {
		return invalidf("--seccomp-policy=image: the image's %s label is not a JSON profile", seccompImageLabel)
	}
	cfg.SeccompProfile = p
	return nil
}

// seccompPath is the profile a start uses: --security-opt seccomp='s, or
// the image's, written to userdata.
func seccompPath(cfg *ContainerConfig, userdata string) (string, error) {
	if cfg.SeccompProfile == "" {
		return cfg.Seccomp, nil
	}
	p := filepath.Join(userdata, "seccomp.json")
	if err := os.WriteFile(p, []byte(cfg.SeccompProfile), 0o600); err != nil {
		return "", fmt.Errorf("write the image's seccomp profile: %w", err)
	}
	return p, nil
}

// subIDMaps turns --subuidname/--subgidname into --uidmap/--gidmap
// values: the name's ranges of /etc/subuid or /etc/subgid, mapped one
// after the other from container ID 0, as podman does.
func (r *Runtime) subIDMaps(flag, name, file string) ([]string, error) {
	if name == "" {
		return nil, nil
	}
	if r.Rootless() {
		return nil, invalidf("%s needs root: a rootless pod's user namespace holds only the user's own ranges (use --uidmap/--gidmap within them)", flag)
	}
	ids, err := sysuser.ParseSubIDFileFilter(file, func(s sysuser.SubID) bool { return s.Name == name })
	if err != nil {
		return nil, invalidf("%s %s: read %s: %v", flag, name, file, err)
	}
	if len(ids) == 0 {
		return nil, invalidf("invalid %s %q: no range for it in %s", flag, name, file)
	}
	var out []string
	var next int64
	for _, id := range ids {
		out = append(out, fmt.Sprintf("%d:%d:%d", next, id.SubID, id.Count))
		next += id.Count
	}
	return out, nil
}

// applySubIDNames fills o's maps from --subuidname and --subgidname; each
// conflicts with --userns and with the map it stands for.
func (r *Runtime) applySubIDNames(o *UserNSOptions, p ProcessOptions) error {
	if p.SubUIDName == "" && p.SubGIDName == "" {
		return nil
	}
	if o.UserNS != "" {
		return invalidf("--subuidname and --subgidname conflict with --userns")
	}
	if p.SubUIDName != "" && len(o.UIDMap) > 0 || p.SubGIDName != "" && len(o.GIDMap) > 0 {
		return invalidf("--subuidname conflicts with --uidmap, --subgidname with --gidmap")
	}
	uids, err := r.subIDMaps("--subuidname", p.SubUIDName, "/etc/subuid")
	if err != nil {
		return err
	}
	gidName := p.SubGIDName
	if gidName == "" && len(o.GIDMap) == 0 {
		gidName = p.SubUIDName // podman's: one name maps both
	}
	gids, err := r.subIDMaps("--subgidname", gidName, "/etc/subgid")
	if err != nil {
		return err
	}
	if uids != nil {
		o.UIDMap = uids
	}
	if gids != nil {
		o.GIDMap = gids
	}
	return nil
}

// checkPersonality checks --personality: a domain the runtime spec names,
// and a runtime that implements the spec version that has it (1.1): an
// older one (runc 1.1 says 1.0.2) would ignore it silently.
func (r *Runtime) checkPersonality(ctx context.Context, p string) error {
	switch p {
	case "":
		return nil
	case string(specs.PerLinux), string(specs.PerLinux32):
	default:
		return invalidf("invalid --personality %q: use LINUX or LINUX32", p)
	}
	rt, err := r.OCI()
	if err != nil {
		return err
	}
	v := rt.SpecVersion(ctx)
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil || major < 1 || major == 1 && minor < 1 {
		return invalidf("--personality needs a runtime implementing runtime-spec 1.1 (runc 1.2, recent crun): %s implements %s, which would ignore it", rt.Name(), v)
	}
	return nil
}
