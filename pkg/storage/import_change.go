package storage

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"unicode"

	"github.com/docker/go-connections/nat"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// ParseChanges applies Dockerfile instructions, as `docker import
// --change` and `podman import --change` take them, to an empty image
// configuration. Each change is "INSTRUCTION ARGS" (podman also accepts
// "INSTRUCTION=ARGS"). Supported: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,
// STOPSIGNAL, USER, VOLUME, WORKDIR; CMD, ENTRYPOINT and VOLUME in JSON or
// shell form. Variables ($X) are not expanded: there is no build to take
// them from.
func ParseChanges(changes []string) (v1.ImageConfig, error) {
	var cfg v1.ImageConfig
	if err := ApplyChanges(&cfg, changes); err != nil {
		return v1.ImageConfig{}, err
	}
	return cfg, nil
}

// ApplyChanges applies changes, as ParseChanges reads them, on top of an
// existing configuration (`pod commit --change`).
func ApplyChanges(cfg *v1.ImageConfig, changes []string) error {
	for _, c := range changes {
		if err := applyChange(cfg, c); err != nil {
			return errdefs.InvalidArgumentf("invalid change %q: %w", c, err)
		}
	}
	return nil
}

func applyChange(cfg *v1.ImageConfig, change string) error {
	change = strings.TrimSpace(change)
	i := strings.IndexFunc(change, func(r rune) bool { return unicode.IsSpace(r) || r == '=' })
	instr, rest := change, ""
	if i >= 0 {
		instr, rest = change[:i], strings.TrimSpace(change[i+1:])
	}
	switch strings.ToUpper(instr) {
	case "CMD":
		cfg.Cmd = commandArgs(rest)
	case "ENTRYPOINT":
		cfg.Entrypoint = commandArgs(rest)
	case "ENV":
		pairs, err := nameValues(rest, true)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			cfg.Env = setEnv(cfg.Env, p[0], p[1])
		}
	case "LABEL":
		pairs, err := nameValues(rest, false)
		if err != nil {
			return err
		}
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, p := range pairs {
			cfg.Labels[p[0]] = p[1]
		}
	case "EXPOSE":
		words, err := shellWords(rest)
		if err != nil {
			return err
		}
		if len(words) == 0 {
			return fmt.Errorf("EXPOSE needs at least one port")
		}
		for _, w := range words {
			ports, err := exposedPorts(w)
			if err != nil {
				return err
			}
			if cfg.ExposedPorts == nil {
				cfg.ExposedPorts = map[string]struct{}{}
			}
			for _, p := range ports {
				cfg.ExposedPorts[p] = struct{}{}
			}
		}
	case "VOLUME":
		vols, isJSON := jsonArgs(rest)
		if !isJSON {
			var err error
			if vols, err = shellWords(rest); err != nil {
				return err
			}
		}
		if len(vols) == 0 {
			return fmt.Errorf("VOLUME needs at least one path")
		}
		for _, v := range vols {
			if v == "" {
				return fmt.Errorf("VOLUME path cannot be empty")
			}
			if cfg.Volumes == nil {
				cfg.Volumes = map[string]struct{}{}
			}
			cfg.Volumes[v] = struct{}{}
		}
	case "WORKDIR":
		dir, err := oneWord("WORKDIR", rest)
		if err != nil {
			return err
		}
		if !path.IsAbs(dir) {
			base := cfg.WorkingDir
			if base == "" {
				base = "/"
			}
			dir = path.Join(base, dir)
		}
		cfg.WorkingDir = path.Clean(dir)
	case "USER":
		u, err := oneWord("USER", rest)
		if err != nil {
			return err
		}
		cfg.User = u
	case "STOPSIGNAL":
		sig, err := oneWord("STOPSIGNAL", rest)
		if err != nil {
			return err
		}
		cfg.StopSignal = sig
	case "ONBUILD":
		return fmt.Errorf("ONBUILD has no place in an OCI image configuration")
	default:
		return fmt.Errorf("unknown instruction %q: use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME or WORKDIR", instr)
	}
	return nil
}

// commandArgs reads CMD and ENTRYPOINT arguments: a JSON array of strings
// is taken as is (exec form); anything else runs through /bin/sh -c (shell
// form), as Docker does. An empty argument clears the setting.
func commandArgs(rest string) []string {
	if args, ok := jsonArgs(rest); ok {
		return args
	}
	if rest == "" {
		return nil
	}
	return []string{"/bin/sh", "-c", rest}
}

// jsonArgs parses the exec form: a JSON array of strings.
func jsonArgs(rest string) ([]string, bool) {
	if !strings.HasPrefix(rest, "[") {
		return nil, false
	}
	var args []string
	if err := json.Unmarshal([]byte(rest), &args); err != nil {
		return nil, false
	}
	if args == nil {
		args = []string{}
	}
	return args, true
}

func oneWord(instr, rest string) (string, error) {
	words, err := shellWords(rest)
	if err != nil {
		return "", err
	}
	if len(words) != 1 {
		return "", fmt.Errorf("%s takes exactly one argument", instr)
	}
	return words[0], nil
}

// nameValues reads "k=v k2='v 2'" pairs. With legacy set (ENV), a first
// word without "=" means the old form "ENV key the whole value".
func nameValues(rest string, legacy bool) ([][2]string, error) {
	words, err := shellWords(rest)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("needs at least one name=value")
	}
	if legacy && !strings.Contains(words[0], "=") {
		name, value := rest, ""
		if i := strings.IndexFunc(rest, unicode.IsSpace); i >= 0 {
			name, value = rest[:i], strings.TrimSpace(rest[i:])
		}
		if value == "" {
			return nil, fmt.Errorf("%s needs a value (use %s=VALUE)", name, name)
		}
		v, err := unquote(value)
		if err != nil {
			return nil, err
		}
		return [][2]string{{name, v}}, nil
	}
	var out [][2]string
	for _, w := range words {
		name, value, ok := strings.Cut(w, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not of the form name=value", w)
		}
		if name == "" {
			return nil, fmt.Errorf("empty name in %q", w)
		}
		out = append(out, [2]string{name, value})
	}
	return out, nil
}

func setEnv(env []string, name, value string) []string {
	for i, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == name {
			env[i] = name + "=" + value
			return env
		}
	}
	return append(env, name+"="+value)
}

// exposedPorts reads "80", "80/udp" or a range "8000-8002/tcp" with
// go-connections' nat.ParsePortSpec, as Docker's EXPOSE does, refusing a
// host address or port, which EXPOSE cannot say, and port 0.
func exposedPorts(spec string) ([]string, error) {
	ms, err := nat.ParsePortSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid port %q: %w", spec, err)
	}
	var out []string
	for _, m := range ms {
		if m.Binding.HostIP != "" || m.Binding.HostPort != "" || m.Port.Int() == 0 {
			return nil, fmt.Errorf("invalid port %q: want PORT[/PROTO] or a range, such as 80/tcp", spec)
		}
		out = append(out, string(m.Port))
	}
	return out, nil
}

// shellWords splits on unquoted white space and removes quotes and
// backslash escapes as the Dockerfile parser does (without expanding
// variables): inside '...' nothing is special; inside "..." a backslash
// escapes only " \ $ and `; elsewhere it escapes any character.
func shellWords(s string) ([]string, error) { return lex(s, true) }

// unquote removes quotes and escapes from s but keeps its white space.
func unquote(s string) (string, error) {
	w, err := lex(s, false)
	if err != nil || len(w) == 0 {
		return "", err
	}
	return w[0], nil
}

func lex(s string, split bool) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			if quote == '"' && !strings.ContainsRune("\"\\$`", r) {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case quote == '"':
			if r == '"' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case split && unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if escaped {
		cur.WriteRune('\\')
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
