// Package secret holds the `pod secret VERB` commands.
package secret

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// Commands returns the `secret` group.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "secret",
		Short: "Manage secrets",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(
		newCreateCommand(g),
		newListCommand(g),
		newInspectCommand(g),
		newRemoveCommand(g),
		newExistsCommand(g),
	)
	return []*cobra.Command{group}
}
