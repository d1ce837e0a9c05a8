package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// addInspectorCommands adds the commands that look into a container's
// processes and files (top, stats, pause, diff, cp, ...) to the container
// group, and returns their top-level shortcuts (aliases included, as
// podman has `pod umount` for `pod unmount`).
func addInspectorCommands(g *cli.Globals, group *cobra.Command) []*cobra.Command {
	verbs := []func(*cli.Globals) *cobra.Command{
		newTopCommand, newStatsCommand, newPauseCommand, newUnpauseCommand,
		newDiffCommand, newExportCommand, newCpCommand, newMountCommand, newUnmountCommand,
		newInitCommand,
	}
	var top []*cobra.Command
	for _, v := range verbs {
		group.AddCommand(v(g))
		top = append(top, v(g))
	}
	return top
}
