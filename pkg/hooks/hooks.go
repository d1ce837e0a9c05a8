// Package hooks reads OCI hook configuration files (oci-hooks(5), schema
// version 1.0.0), as podman and CRI-O read them from hooks.d directories,
// and adds the hooks whose conditions a container meets to its OCI spec.
//
// Contracts a caller may rely on:
//   - Load reads the *.json files of each directory in order; a file of
//     the same name in a later directory replaces the earlier one, and the
//     hooks are applied in the order of their file names. A directory that
//     does not exist is skipped: it configures no hook.
//   - A file that cannot be read or parsed, has another version than
//     1.0.0, no condition, no or unknown stages, or a hook path that is not
//     absolute, is an error naming the file: a hook meant to run never
//     silently does not.
//   - A hook matches when any of its conditions does (always; an
//     annotation whose key and value match the patterns; the process's
//     first argument matching a command pattern; hasBindMounts and the
//     container having a bind mount).
package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// DefaultDirs are where hooks are read from unless told otherwise: the
// distribution's directory, then the administrator's.
func DefaultDirs() []string {
	return []string{"/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"}
}

// Hook is one hook configuration file.
type Hook struct {
	Version string     `json:"version"`
	Hook    specs.Hook `json:"hook"`
	When    When       `json:"when"`
	Stages  []string   `json:"stages"`

	file     string
	annots   [][2]*regexp.Regexp
	commands []*regexp.Regexp
}

// When are a hook's conditions.
type When struct {
	Always        *bool             `json:"always,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
	Commands      []string          `json:"commands,omitempty"`
	HasBindMounts *bool             `json:"hasBindMounts,omitempty"`
}

var stages = map[string]bool{
	"prestart": true, "createRuntime": true, "createContainer": true,
	"startContainer": true, "poststart": true, "poststop": true,
}

// Load reads the hooks configured in dirs.
func Load(dirs []string) ([]*Hook, error) {
	byName := map[string]*Hook{}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read hooks directory: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			h, err := read(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			byName[e.Name()] = h
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*Hook, 0, len(names))
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out, nil
}

func read(file string) (*Hook, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read hook: %w", err)
	}
	h := &Hook{file: file}
	if err := json.Unmarshal(b, h); err != nil {
		return nil, errdefs.InvalidArgumentf("hook %s: %v", file, err)
	}
	if err := h.compile(); err != nil {
		return nil, errdefs.InvalidArgumentf("hook %s: %v", file, err)
	}
	return h, nil
}

// compile checks h and compiles its patterns.
func (h *Hook) compile() error {
	if h.Version != "1.0.0" {
		return fmt.Errorf("version %q: only 1.0.0 is known", h.Version)
	}
	if !filepath.IsAbs(h.Hook.Path) {
		return fmt.Errorf("hook path %q is not absolute", h.Hook.Path)
	}
	if len(h.Stages) == 0 {
		return errors.New("no stages")
	}
	for _, s := range h.Stages {
		if !stages[s] {
			return fmt.Errorf("unknown stage %q", s)
		}
	}
	w := h.When
	if w.Always == nil && w.HasBindMounts == nil && len(w.Annotations) == 0 && len(w.Commands) == 0 {
		return errors.New("no condition in when")
	}
	for k, v := range w.Annotations {
		kr, err := regexp.Compile(k)
		if err != nil {
			return fmt.Errorf("annotation pattern %q: %v", k, err)
		}
		vr, err := regexp.Compile(v)
		if err != nil {
			return fmt.Errorf("annotation pattern %q: %v", v, err)
		}
		h.annots = append(h.annots, [2]*regexp.Regexp{kr, vr})
	}
	for _, c := range w.Commands {
		r, err := regexp.Compile(c)
		if err != nil {
			return fmt.Errorf("command pattern %q: %v", c, err)
		}
		h.commands = append(h.commands, r)
	}
	return nil
}

// matches reports whether s meets any of h's conditions.
func (h *Hook) matches(s *specs.Spec) bool {
	w := h.When
	if w.Always != nil && *w.Always {
		return true
	}
	if w.HasBindMounts != nil && *w.HasBindMounts {
		for _, m := range s.Mounts {
			if m.Type == "bind" {
				return true
			}
		}
	}
	for _, p := range h.annots {
		for k, v := range s.Annotations {
			if p[0].MatchString(k) && p[1].MatchString(v) {
				return true
			}
		}
	}
	if s.Process != nil && len(s.Process.Args) > 0 {
		for _, r := range h.commands {
			if r.MatchString(s.Process.Args[0]) {
				return true
			}
		}
	}
	return false
}

// Apply adds to s the hooks that match it, at their stages.
func Apply(s *specs.Spec, hooks []*Hook) {
	for _, h := range hooks {
		if !h.matches(s) {
			continue
		}
		if s.Hooks == nil {
			s.Hooks = &specs.Hooks{}
		}
		for _, st := range h.Stages {
			switch st {
			case "prestart":
				s.Hooks.Prestart = append(s.Hooks.Prestart, h.Hook) //nolint:staticcheck // still run by runc and crun
			case "createRuntime":
				s.Hooks.CreateRuntime = append(s.Hooks.CreateRuntime, h.Hook)
			case "createContainer":
				s.Hooks.CreateContainer = append(s.Hooks.CreateContainer, h.Hook)
			case "startContainer":
				s.Hooks.StartContainer = append(s.Hooks.StartContainer, h.Hook)
			case "poststart":
				s.Hooks.Poststart = append(s.Hooks.Poststart, h.Hook)
			case "poststop":
				s.Hooks.Poststop = append(s.Hooks.Poststop, h.Hook)
			}
		}
	}
}
