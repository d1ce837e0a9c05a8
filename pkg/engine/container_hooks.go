package engine

import (
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/hooks"
)

// applyHooks adds to s the OCI hooks configured in --hooks-dir (else the
// system's hooks.d directories) whose conditions the container meets. It
// reads the directories at every start, as podman does, so a hook added
// or removed applies to the next start.
func (r *Runtime) applyHooks(s *specs.Spec) error {
	dirs := r.opts.HooksDirs
	if dirs == nil {
		dirs = hooks.DefaultDirs()
	}
	hs, err := hooks.Load(dirs)
	if err != nil {
		return fmt.Errorf("OCI hooks: %w", err)
	}
	hooks.Apply(s, hs)
	return nil
}
