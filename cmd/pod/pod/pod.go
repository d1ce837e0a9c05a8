// Package pod holds the `pod pod VERB` commands: groups of containers
// that share namespaces, as `podman pod VERB`.
package pod

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// Commands returns the `pod` group.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "pod",
		Short: "Manage pods",
		Long:  "Manage pods: groups of containers that share network, IPC and UTS namespaces, held by an infra container.",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(
		newCreateCommand(g),
		newListCommand(g),
		newInspectCommand(g),
		newStartCommand(g),
		newStopCommand(g),
		newRestartCommand(g),
		newKillCommand(g),
		newPauseCommand(g),
		newUnpauseCommand(g),
		newRemoveCommand(g),
		newPruneCommand(g),
		newExistsCommand(g),
		newCloneCommand(g),
		newTopCommand(g),
		newLogsCommand(g),
		newStatsCommand(g),
	)
	addLatest(g, group.Commands())
	return []*cobra.Command{group}
}

// each runs fn on every pod named, printing the ID of each done and each
// failure but the last, which it returns for main to print.
func each(g *cli.Globals, names []string, fn func(name string) (string, error)) error {
	var errs []error
	for _, n := range names {
		id, err := fn(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(g.Stdout, id)
	}
	return cli.ReportErrors(g.Stderr, errs)
}
