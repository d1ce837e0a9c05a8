// Package network holds `pod network VERB`: defining networks and
// connecting containers to them.
package network

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// Commands returns the `network` group.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "network",
		Short: "Manage networks",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(
		newCreateCommand(g),
		newListCommand(g),
		newInspectCommand(g),
		newRemoveCommand(g),
		newPruneCommand(g),
		newExistsCommand(g),
		newConnectCommand(g),
		newDisconnectCommand(g),
		newReloadCommand(g),
	)
	return []*cobra.Command{group}
}
