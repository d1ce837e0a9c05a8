package specgen

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ProcessOptions are the create flags about the container's process and
// the files pod writes for it, as given (podman's names).
type ProcessOptions struct {
	EnvHost     bool     // --env-host: pod's whole environment under the image's
	EnvMerge    []string // --env-merge KEY=VALUE, ${VAR} expanded against the image's
	UnsetEnv    []string // --unsetenv KEY: drop a default variable
	UnsetEnvAll bool     // --unsetenv-all: drop every default variable
	// HTTPProxy passes pod's proxy variables (http_proxy, ...) as
	// defaults: podman's --http-proxy, true unless set false.
	HTTPProxy   *bool
	LabelFiles  []string // --label-file: KEY=VALUE lines
	Annotations []string // --annotation KEY=VALUE
	Umask       string   // --umask, octal
	PidFile     string   // --pidfile: where the container's PID is written at start
	// ConmonPidFile is --conmon-pidfile: where the monitor's PID is
	// written at start.
	ConmonPidFile string
	InitPath      string // --init-path: the init --init runs
	// Systemd is --systemd: "true" (the default: init mode when the
	// command is systemd or init), "false" or "always".
	Systemd     string
	Requires    []string // --requires: containers started before this one
	ImageVolume string   // --image-volume: bind (default), tmpfs or ignore
	// DeviceCgroupRules are --device-cgroup-rule "TYPE MAJOR:MINOR PERMS".
	DeviceCgroupRules []string
	// Passwd is --passwd (true unless set false): an /etc/passwd entry
	// for a --user the image lacks, from PasswdEntry's template
	// ($USERNAME, $UID, $GID, $NAME, $HOME) when set.
	Passwd      *bool
	PasswdEntry string
	HostUsers   []string // --hostuser: host users added to /etc/passwd
	// ChrootDirs are --chrootdirs: directories that get pod's /etc files
	// too.
	ChrootDirs []string
	// SeccompPolicy is --seccomp-policy: default, or image (the profile
	// in the image's io.containers.seccomp.profile label, when it has
	// one).
	SeccompPolicy string
	// SubUIDName and SubGIDName are --subuidname and --subgidname: a
	// user namespace mapping the name's ranges of /etc/subuid and
	// /etc/subgid (root only).
	SubUIDName, SubGIDName string
	// Personality is --personality: the execution domain, LINUX or
	// LINUX32.
	Personality string
}

// proxyEnv are the variables --http-proxy passes on, as podman's list.
var proxyEnv = []string{"http_proxy", "https_proxy", "ftp_proxy", "no_proxy",
	"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"}

// DefaultEnv is the environment a container gets before -e and
// --env-file, as podman composes it: the host's variables (--env-host,
// else only the proxy ones unless --http-proxy=false) under the image's
// (which conf, containers.conf's, lies under already), then --env-merge
// expanded against that, and without --unsetenv's keys (all with
// --unsetenv-all). host is pod's environment.
func DefaultEnv(image []string, o ProcessOptions, host []string) ([]string, error) {
	var lower []string
	switch {
	case o.EnvHost:
		lower = host
	case o.HTTPProxy == nil || *o.HTTPProxy:
		for _, kv := range host {
			k, _, _ := strings.Cut(kv, "=")
			if slices.Contains(proxyEnv, k) {
				lower = append(lower, kv)
			}
		}
	}
	env := Underlay(image, lower)
	if len(o.EnvMerge) > 0 {
		vals := envMap(env)
		var merged []string
		for _, m := range o.EnvMerge {
			k, v, ok := strings.Cut(m, "=")
			if !ok || k == "" {
				return nil, invalidf("invalid --env-merge %q: use KEY=VALUE", m)
			}
			merged = append(merged, k+"="+os.Expand(v, func(name string) string { return vals[name] }))
		}
		env = MergeEnv(env, merged)
	}
	if o.UnsetEnvAll {
		return nil, nil
	}
	return slices.DeleteFunc(env, func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(o.UnsetEnv, k)
	}), nil
}

// Underlay adds to upper the variables of lower it does not set.
func Underlay(upper, lower []string) []string {
	have := envMap(upper)
	out := slices.Clone(upper)
	for _, kv := range lower {
		k, _, ok := strings.Cut(kv, "=")
		if _, set := have[k]; ok && k != "" && !set {
			have[k] = ""
			out = append(out, kv)
		}
	}
	return out
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// DropDefaultEnv removes from a process's environment what --unsetenv and
// --unsetenv-all remove, among the variables pod adds itself (PATH, HOME,
// HOSTNAME, TERM, container): keep are the variables the container was
// given (its configuration's, secrets'), which stay.
func DropDefaultEnv(env []string, cfg *ContainerConfig, keep []string) []string {
	if !cfg.UnsetEnvAll && len(cfg.UnsetEnv) == 0 {
		return env
	}
	given := envMap(keep)
	return slices.DeleteFunc(env, func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := given[k]; ok {
			return false
		}
		return cfg.UnsetEnvAll || slices.Contains(cfg.UnsetEnv, k)
	})
}

// ReadLabelFiles reads --label-file files: KEY=VALUE lines (a bare KEY is
// an empty label), # comments and blank lines skipped.
func ReadLabelFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, invalidf("read --label-file: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if k, _, _ := strings.Cut(line, "="); k == "" {
				return nil, invalidf("--label-file %s: label %q has an empty key", p, line)
			}
			out = append(out, line)
		}
	}
	return out, nil
}

// ParseAnnotations reads --annotation KEY=VALUE values.
func ParseAnnotations(vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, a := range vals {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, invalidf("invalid --annotation %q: use KEY=VALUE", a)
		}
		m[k] = v
	}
	return m, nil
}

// ParseUmask reads --umask: an octal mode of at most 0777.
func ParseUmask(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o777 {
		return "", invalidf("invalid --umask %q: an octal mode such as 0022", s)
	}
	return fmt.Sprintf("%04o", n), nil
}

// SystemdMode decides --systemd: whether the container runs in init mode,
// given its command (entrypoint and arguments).
func SystemdMode(mode string, argv []string) (bool, error) {
	switch mode {
	case "", "true":
		if len(argv) == 0 {
			return false, nil
		}
		switch argv[0] {
		case "/sbin/init", "/usr/sbin/init", "/usr/local/sbin/init":
			return true, nil
		}
		return path.Base(argv[0]) == "systemd", nil
	case "false":
		return false, nil
	case "always":
		return true, nil
	}
	return false, invalidf("invalid --systemd %q: use true, false or always", mode)
}

// CheckImageVolume checks --image-volume.
func CheckImageVolume(mode string) error {
	switch mode {
	case "", "bind", "tmpfs", "ignore":
		return nil
	}
	return invalidf("invalid --image-volume %q: use bind, tmpfs or ignore", mode)
}

// ParseDeviceCgroupRule reads one --device-cgroup-rule: "TYPE MAJOR:MINOR
// ACCESS", TYPE a, b or c, MAJOR and MINOR numbers or *, ACCESS of r, w
// and m.
func ParseDeviceCgroupRule(s string) (DeviceRule, error) {
	bad := invalidf("invalid --device-cgroup-rule %q: use TYPE MAJOR:MINOR ACCESS, such as 'c 1:3 mr' (TYPE a, b or c; * for any number)", s)
	f := strings.Fields(s)
	if len(f) != 3 || (f[0] != "a" && f[0] != "b" && f[0] != "c") || strings.Trim(f[2], "rwm") != "" || f[2] == "" {
		return DeviceRule{}, bad
	}
	maj, min, ok := strings.Cut(f[1], ":")
	if !ok {
		return DeviceRule{}, bad
	}
	r := DeviceRule{Type: f[0], Access: f[2]}
	for _, n := range []struct {
		s   string
		dst **int64
	}{{maj, &r.Major}, {min, &r.Minor}} {
		if n.s == "*" {
			continue
		}
		v, err := strconv.ParseInt(n.s, 10, 64)
		if err != nil || v < 0 {
			return DeviceRule{}, bad
		}
		*n.dst = &v
	}
	return r, nil
}

// DeviceRule is one --device-cgroup-rule; a nil number is any.
type DeviceRule struct {
	Type   string `json:"type"`
	Major  *int64 `json:"major,omitempty"`
	Minor  *int64 `json:"minor,omitempty"`
	Access string `json:"access"`
}

// String is the rule as Docker shows it: "c 1:3 mr".
func (r DeviceRule) String() string {
	num := func(p *int64) string {
		if p == nil {
			return "*"
		}
		return strconv.FormatInt(*p, 10)
	}
	return r.Type + " " + num(r.Major) + ":" + num(r.Minor) + " " + r.Access
}

// ParseCgroupConf reads --cgroup-conf KEY=VALUE: a file of the container's
// cgroup v2 directory (memory.high, cpu.weight, ...).
func ParseCgroupConf(vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range vals {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.ContainsAny(k, "/") || k == "." || k == ".." {
			return nil, invalidf("invalid --cgroup-conf %q: use KEY=VALUE, KEY a file of the cgroup such as memory.high", kv)
		}
		m[k] = v
	}
	return m, nil
}

// CheckHostFile checks a --pidfile or --conmon-pidfile path: absolute
// (relative paths are made absolute by the CLI).
func CheckHostFile(flag, p string) error {
	if p != "" && !filepath.IsAbs(p) {
		return invalidf("invalid %s %q: not an absolute path", flag, p)
	}
	return nil
}
