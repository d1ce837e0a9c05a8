// Package volume holds the `pod volume VERB` commands.
package volume

import (
	"errors"
	"fmt"

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
	)
	return []*cobra.Command{group}
}

// reportErrors prints every error but the last as an "Error:" line and
// returns the last, so a command that went on after failures says what
// failed.
func reportErrors(g *cli.Globals, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[:len(errs)-1] {
		fmt.Fprintln(g.Stderr, "Error:", e)
	}
	return errors.Join(errs[len(errs)-1])
}
