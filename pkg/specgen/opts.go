package specgen

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"

	"github.com/docker/go-units"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// invalidf makes an errdefs.ErrInvalidArg error with a message shown as is.
func invalidf(format string, args ...any) error {
	return errdefs.InvalidArgumentf(format, args...)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// ParseTmpfs turns one --tmpfs DST[:OPTS] into a tmpfs mount.
func ParseTmpfs(spec string) (MountConfig, error) {
	dst, opts, _ := strings.Cut(spec, ":")
	if !filepath.IsAbs(dst) {
		return MountConfig{}, invalidf("invalid --tmpfs %q: %q is not an absolute path", spec, dst)
	}
	m := MountConfig{Type: "tmpfs", Source: "tmpfs", Destination: filepath.Clean(dst)}
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			if o == "" {
				continue
			}
			if k, v, ok := strings.Cut(o, "="); ok && k == "size" {
				n, err := units.RAMInBytes(v)
				if err != nil {
					return MountConfig{}, invalidf("invalid --tmpfs %q: size %q: %v", spec, v, err)
				}
				o = "size=" + strconv.FormatInt(n, 10)
			}
			m.Options = append(m.Options, o)
		}
	}
	return m, nil
}

// CheckMounts refuses two mounts on one destination.
func CheckMounts(ms []MountConfig) error {
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.Destination] {
			return invalidf("duplicate mount destination %s", m.Destination)
		}
		seen[m.Destination] = true
	}
	return nil
}

// MergeEnv applies KEY=VALUE settings over base, keeping base's order and
// appending new keys. A bare KEY takes the value from pod's own environment
// and is dropped when pod has none, as Docker does.
func MergeEnv(base []string, settings []string) []string {
	out := append([]string(nil), base...)
	index := map[string]int{}
	for i, kv := range out {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	for _, s := range settings {
		k, v, ok := strings.Cut(s, "=")
		if k == "" {
			continue
		}
		if !ok {
			hv, set := os.LookupEnv(k)
			if !set {
				continue
			}
			v = hv
		}
		kv := k + "=" + v
		if i, ok := index[k]; ok {
			out[i] = kv
		} else {
			index[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

// ReadEnvFile reads an --env-file: KEY=VALUE or KEY lines; blank lines and
// lines starting with # are skipped. Values are taken literally (no quotes
// removed), as Docker does.
func ReadEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, invalidf("read env file: %v", err)
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for s.Scan() {
		n++
		line := strings.TrimLeft(s.Text(), " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, _ := strings.Cut(line, "=")
		if strings.ContainsAny(k, " \t") || k == "" {
			return nil, invalidf("env file %s line %d: variable %q contains whitespace or is empty", path, n, k)
		}
		out = append(out, line)
	}
	if err := s.Err(); err != nil {
		return nil, invalidf("read env file %s: %v", path, err)
	}
	return out, nil
}

// ParseRestartPolicy parses --restart: no, always, unless-stopped,
// on-failure[:N].
func ParseRestartPolicy(s string) (RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	switch name {
	case "", "no", "always", "unless-stopped":
		if hasCount {
			return RestartPolicy{}, invalidf("invalid restart policy %q: only on-failure takes a retry count", s)
		}
		if name == "" {
			name = "no"
		}
		return RestartPolicy{Name: name}, nil
	case "on-failure":
		p := RestartPolicy{Name: name}
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return RestartPolicy{}, invalidf("invalid restart policy %q: the retry count must be a non-negative integer", s)
			}
			p.MaxRetries = n
		}
		return p, nil
	}
	return RestartPolicy{}, invalidf("invalid restart policy %q: use no, always, unless-stopped or on-failure[:max-retries]", s)
}

// ParseLogOpts checks --log-driver and --log-opt.
func ParseLogOpts(driver string, opts []string) (string, map[string]string, error) {
	switch driver {
	case "":
		driver = "k8s-file"
	case "k8s-file", "json-file", "journald", "none":
	default:
		return "", nil, invalidf("unsupported log driver %q: use k8s-file, json-file, journald or none", driver)
	}
	var m map[string]string
	for _, o := range opts {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			return "", nil, invalidf("invalid --log-opt %q: use KEY=VALUE", o)
		}
		switch k {
		case "max-size":
			n, err := units.RAMInBytes(v)
			if err != nil || n < 0 {
				return "", nil, invalidf("invalid --log-opt %q: bad size", o)
			}
			v = strconv.FormatInt(n, 10)
		case "tag":
			// podman's tag: a Go template over the container (its ID,
			// Name, ImageName, Image), given to the journal.
			if driver != "journald" {
				return "", nil, invalidf("invalid --log-opt %q: the %s log driver takes no tag (journald does)", o, driver)
			}
			if _, err := template.New("tag").Option("missingkey=error").Parse(v); err != nil {
				return "", nil, invalidf("invalid --log-opt %q: %v", o, err)
			}
		default:
			return "", nil, invalidf("unsupported --log-opt %q: pod supports max-size and tag", o)
		}
		if m == nil {
			m = map[string]string{}
		}
		m[k] = v
	}
	return driver, m, nil
}

// ParseEntrypoint reads --entrypoint: a JSON array, or one command (Docker
// takes the string as the program name, not a shell line).
func ParseEntrypoint(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		var argv []string
		if err := json.Unmarshal([]byte(s), &argv); err != nil {
			return nil, invalidf("invalid --entrypoint %q: %v", s, err)
		}
		return argv, nil
	}
	return []string{s}, nil
}
