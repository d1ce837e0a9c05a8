// Package oci drives an OCI runtime binary (runc, crun): it picks one for
// the host (Find), builds the argv of `create` for the container monitor to
// exec, and runs start, kill, delete, state, pause and resume against a
// state directory of pod's own.
//
// Failures carry the runtime's own message (ErrorMessage reads it from the
// runtime's JSON log lines on stderr), categorised with pkg/errdefs;
// ExecFailure tells a command that was not found or could not be invoked.
package oci

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pod-engine/pod/pkg/cgroups"
)

// Find resolves the runtime to use. An explicit name or path wins; otherwise
// crun on a unified cgroup host (it is faster) and runc elsewhere, because
// crun refuses the v1+v2 hybrid layout.
func Find(name string) (string, error) {
	candidates := []string{"runc", "crun"}
	if cgroups.Detect() == cgroups.Unified {
		candidates = []string{"crun", "runc"}
	}
	if name != "" {
		candidates = []string{name}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return filepath.Clean(p), nil
		}
	}
	if name != "" {
		return "", fmt.Errorf("OCI runtime %q not found in $PATH", name)
	}
	return "", fmt.Errorf("no OCI runtime found: install runc or crun (apt-get install runc)")
}

// Version returns the first line of `RUNTIME --version`.
func Version(ctx context.Context, path string) (string, error) {
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", path, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line), nil
}
