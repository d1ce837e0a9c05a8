package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/pkg/engine"
)

// NewExistsCommand is the `exists` command of one kind of object, as
// podman's: it prints nothing and exits 0 when exists finds the object,
// 1 when it does not, and with the error's code (125) when that cannot be
// told. use names the argument (CONTAINER), what the object ("a
// container"); open is g.Open or, for what needs no image storage,
// g.OpenContainers.
func NewExistsCommand(g *Globals, use, what string, open func(context.Context) (*engine.Runtime, error), exists func(ctx context.Context, rt *engine.Runtime, name string) (bool, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "exists " + use,
		Short: "Check whether " + what + " exists",
		Long:  "Exit 0 if " + what + " with this name or ID exists, 1 if none does, 125 if that cannot be told. Prints nothing.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ok, err := exists(cmd.Context(), rt, args[0])
			if err != nil {
				return err
			}
			if !ok {
				return Exit(1)
			}
			return nil
		},
	}
}
