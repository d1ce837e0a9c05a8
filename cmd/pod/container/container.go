// Package container holds the container commands: `pod container VERB` and
// the top-level shortcuts Docker offers for them (run, ps, rm, ...).
package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// Commands returns the `container` group and the top-level shortcuts.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "container",
		Short: "Manage containers",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	return append([]*cobra.Command{group}, addViewCommands(g, group)...)
}
