package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// addViewCommands adds the commands that look at containers (ps, inspect,
// logs, rename, prune, exists) to the container group, and returns their
// top-level shortcuts.
func addViewCommands(g *cli.Globals, group *cobra.Command) []*cobra.Command {
	ls := newPsCommand(g)
	ls.Use = "ls [options]"
	ls.Aliases = []string{"list", "ps"}
	group.AddCommand(ls, newInspectCommand(g, false), newLogsCommand(g), newRenameCommand(g),
		newPruneCommand(g), newExistsCommand(g))
	return []*cobra.Command{newPsCommand(g), newInspectCommand(g, true), newLogsCommand(g), newRenameCommand(g)}
}
