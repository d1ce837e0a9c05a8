// Package sdunit drives systemd units through systemctl: the system's
// manager, or with User the calling user's (systemctl --user), which
// must be reachable (XDG_RUNTIME_DIR of a session or a lingering user).
package sdunit

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Systemctl restarts units with systemctl.
type Systemctl struct {
	User bool // the user's manager (systemctl --user)
}

// RestartUnit restarts unit and returns once systemd has started it again
// (for Type=notify, once it reported READY=1), or with the error systemd
// gave: a start that failed is an error.
func (s Systemctl) RestartUnit(ctx context.Context, unit string) error {
	bin, err := exec.LookPath("systemctl")
	if err != nil {
		return errdefs.Unavailablef("restart %s: no systemctl: %v", unit, err)
	}
	args := []string{"restart", unit}
	if s.User {
		args = append([]string{"--user"}, args...)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("systemctl %s: %s", strings.Join(args, " "), msg)
		}
		return fmt.Errorf("systemctl %s: %w", strings.Join(args, " "), err)
	}
	return nil
}
