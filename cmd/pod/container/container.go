// Package container holds the container commands: `pod container VERB` and
// the top-level shortcuts Docker offers for them (run, ps, rm, ...).
package container

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// verb is one container command. top is its top-level name ("rm" for
// "container rm"), empty when Docker has none.
type verb struct {
	top string
	new func(g *cli.Globals) *cobra.Command
}

// Commands returns the `container` group and the top-level shortcuts.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "container",
		Short: "Manage containers",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	out := []*cobra.Command{group}
	for _, v := range append(lifecycleVerbs(), interactiveVerbs()...) {
		group.AddCommand(v.new(g))
		if v.top != "" {
			c := v.new(g)
			_, rest, _ := strings.Cut(c.Use, " ")
			c.Use = strings.TrimSpace(v.top + " " + rest)
			c.Aliases = nil
			out = append(out, c)
		}
	}
	out = append(out, addViewCommands(g, group)...)
	out = append(out, newHealthcheckGroup(g))
	out = append(out, addInspectorCommands(g, group)...)
	addLatest(g, append(group.Commands(), out...))
	return out
}

// lifecycleVerbs make, run and end containers.
func lifecycleVerbs() []verb {
	return []verb{
		{"create", newCreateCommand},
		{"run", newRunCommand},
		{"start", newStartCommand},
		{"stop", newStopCommand},
		{"kill", newKillCommand},
		{"restart", newRestartCommand},
		{"rm", newRemoveCommand},
		{"wait", newWaitCommand},
		{"update", newUpdateCommand},
		{"port", newPortCommand},
		{"commit", newCommitCommand},
		{"", newCloneCommand},
		{"", newCleanupCommand},
		{"", newRunlabelCommand},
		{"", newCheckpointCommand},
		{"", newRestoreCommand},
	}
}
