package spec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// ExecOptions say how a process started in a running container (pod exec)
// differs from the container's own process.
type ExecOptions struct {
	Args     []string
	Env      []string // KEY=VALUE, added to (or replacing in) the container's environment
	Cwd      string   // "" = the container's
	User     *User    // nil = the container's
	Terminal bool
	// Privileged gives the process every capability pod holds, whatever
	// the container has.
	Privileged bool
}

// ReadBundle reads the runtime configuration a container was started with.
func ReadBundle(dir string) (*specs.Spec, error) {
	b, err := os.ReadFile(filepath.Join(dir, BundleConfig))
	if err != nil {
		return nil, fmt.Errorf("read runtime config: %w", err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode runtime config %s: %w", filepath.Join(dir, BundleConfig), err)
	}
	return &s, nil
}

// ExecProcess derives the process of an exec session from the container's
// spec: the same limits, security settings and environment, changed as o
// says. TERM=xterm is set with a terminal (unless o.Env sets TERM).
func ExecProcess(s *specs.Spec, o ExecOptions) (*specs.Process, error) {
	if s.Process == nil {
		return nil, fmt.Errorf("runtime config has no process")
	}
	if len(o.Args) == 0 {
		return nil, fmt.Errorf("no command to execute")
	}
	p := *s.Process
	p.Args = o.Args
	p.Terminal = o.Terminal
	p.ConsoleSize = nil
	if o.Cwd != "" {
		p.Cwd = o.Cwd
	}
	var extra []string
	if o.Terminal {
		extra = append(extra, "TERM=xterm")
	}
	if o.User != nil {
		p.User = specs.User{UID: o.User.UID, GID: o.User.GID, AdditionalGids: groups(*o.User)}
		if o.User.Home != "" {
			extra = append(extra, "HOME="+o.User.Home)
		}
	}
	p.Env = mergeEnv(append(append([]string(nil), s.Process.Env...), extra...), o.Env)
	if o.Privileged {
		all := allCapabilities()
		p.Capabilities = &specs.LinuxCapabilities{Bounding: all, Effective: all, Permitted: all}
		if p.User.UID == 0 {
			// As for a privileged container: root keeps them across exec.
			p.Capabilities.Inheritable = nil
		}
	}
	return &p, nil
}

// mergeEnv returns base with every KEY=VALUE of over replacing the entry of
// the same key or added at the end.
func mergeEnv(base, over []string) []string {
	index := map[string]int{}
	var out []string
	for _, kv := range append(base, over...) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	return out
}
