package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// newCleanupCommand is the exit command the container monitor runs once the
// container exited. Users never need it.
func newCleanupCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:    "cleanup CONTAINER",
		Short:  "Record a container's exit and release what it held (run by the container monitor)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// After `system reset` there is nothing to clean, and
			// opening must not leave a new DB behind.
			rt, err := g.OpenExisting(cmd.Context())
			if errors.Is(err, engine.ErrNoState) {
				return nil
			}
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.Cleanup(cmd.Context(), args[0])
		},
	}
}
