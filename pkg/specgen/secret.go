package specgen

import (
	"path"
	"strconv"
	"strings"
)

// SecretMount is one --secret: the secret (Name as given, ID resolved at
// create) made a file in the container (Type "mount", at Target, owned by
// UID:GID with Mode) or an environment variable (Type "env", named Target).
type SecretMount struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Type   string `json:"type"`
	Target string `json:"target"`
	UID    uint32 `json:"uid,omitempty"`
	GID    uint32 `json:"gid,omitempty"`
	Mode   uint32 `json:"mode,omitempty"`
}

// SecretsDir is where a mounted secret goes by default, and what a
// relative target is relative to.
const SecretsDir = "/run/secrets"

// DefaultSecretMode is a mounted secret's mode unless mode= says.
const DefaultSecretMode = 0o444

// ParseSecret parses --secret NAME[,type=mount|env][,target=T][,uid=N]
// [,gid=N][,mode=OCTAL] as podman does: a mount lands at
// /run/secrets/NAME unless target= says (a relative target is under
// /run/secrets); an env secret sets the variable NAME unless target=
// names another; uid, gid and mode apply to mounts only.
func ParseSecret(spec string) (SecretMount, error) {
	parts := strings.Split(spec, ",")
	s := SecretMount{Name: parts[0], Type: "mount", Mode: DefaultSecretMode}
	if s.Name == "" || strings.Contains(s.Name, "=") {
		return s, invalidf("invalid --secret %q: want NAME[,type=mount|env,target=T,uid=N,gid=N,mode=M]", spec)
	}
	var idSet bool
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok || v == "" {
			return s, invalidf("invalid --secret %q: option %q wants KEY=VALUE", spec, p)
		}
		switch k {
		case "type":
			if v != "mount" && v != "env" {
				return s, invalidf("invalid --secret %q: type must be mount or env, not %q", spec, v)
			}
			s.Type = v
		case "target":
			s.Target = v
		case "uid", "gid":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return s, invalidf("invalid --secret %q: %s %q is not a number", spec, k, v)
			}
			if k == "uid" {
				s.UID = uint32(n)
			} else {
				s.GID = uint32(n)
			}
			idSet = true
		case "mode":
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil || n > 0o7777 {
				return s, invalidf("invalid --secret %q: mode %q is not an octal file mode", spec, v)
			}
			s.Mode = uint32(n)
			idSet = true
		default:
			return s, invalidf("invalid --secret %q: unknown option %q", spec, k)
		}
	}
	switch s.Type {
	case "env":
		if idSet {
			return s, invalidf("invalid --secret %q: uid, gid and mode cannot be set with type=env", spec)
		}
		s.Mode = 0
		if s.Target == "" {
			s.Target = s.Name
		}
		if strings.ContainsAny(s.Target, "= ") {
			return s, invalidf("invalid --secret %q: %q is not an environment variable name", spec, s.Target)
		}
	default:
		if s.Target == "" {
			s.Target = s.Name
		}
		if !path.IsAbs(s.Target) {
			s.Target = path.Join(SecretsDir, s.Target)
		}
		s.Target = path.Clean(s.Target)
		if s.Target == "/" {
			return s, invalidf("invalid --secret %q: the target cannot be /", spec)
		}
	}
	return s, nil
}
