// Package volume holds the `pod volume VERB` commands.
package volume

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// Commands returns the `volume` group.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "volume",
		Short: "Manage volumes",
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
		newExportCommand(g),
		newImportCommand(g),
		newMountCommand(g),
		newUnmountCommand(g),
	)
	return []*cobra.Command{group}
}

func reportErrors(g *cli.Globals, errs []error) error {
	return cli.ReportErrors(g.Stderr, errs)
}
