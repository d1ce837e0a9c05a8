package container

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newPauseCommand(g *cli.Globals) *cobra.Command {
	return freezeCommand(g, "pause", "Pause all the processes in one or more containers",
		"Freeze every process of each running container (the cgroup freezer, through the OCI runtime).\n"+
			"Prints the containers as given (with --all, their IDs).",
		engine.StatusRunning, (*engine.Runtime).Pause)
}

func newUnpauseCommand(g *cli.Globals) *cobra.Command {
	return freezeCommand(g, "unpause", "Unpause the processes in one or more containers",
		"Thaw each paused container. Prints the containers as given (with --all, their IDs).",
		engine.StatusPaused, (*engine.Runtime).Unpause)
}

// freezeCommand is pause or unpause; --all and --filter act on the
// containers in status from.
func freezeCommand(g *cli.Globals, name, short, long string, from engine.Status,
	fn func(*engine.Runtime, context.Context, string) error) *cobra.Command {
	var sel selectFlags
	c := &cobra.Command{
		Use:   name + " [options] CONTAINER [CONTAINER...]",
		Short: short,
		Long:  long,
		Args:  sel.args(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if args, err = sel.targets(ctx, rt, args, false, from); err != nil {
				return err
			}
			return each(g, args, cli.ExitCode, func(n string) error { return fn(rt, ctx, n) })
		},
	}
	sel.add(c.Flags(), name, name+" all "+map[engine.Status]string{engine.StatusRunning: "running", engine.StatusPaused: "paused"}[from]+" containers")
	return c
}
