package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newInitCommand(g *cli.Globals) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "init [options] CONTAINER [CONTAINER...]",
		Short: "Initialize one or more containers",
		Long: "Prepare each container as start would (root filesystem mounted, OCI bundle written, monitor and\n" +
			"runtime container created) without running its process: it shows as initialized until pod start.\n" +
			"Prints the containers as given (with --all, their IDs).",
		Args: namesOrAll(&all),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				if args, err = containerIDs(ctx, rt, engine.StatusCreated, engine.StatusExited); err != nil {
					return err
				}
			}
			return each(g, args, cli.ExitCode, func(n string) error {
				return rt.Init(ctx, n)
			})
		},
	}
	c.Flags().BoolVarP(&all, "all", "a", false, "initialize every created or exited container")
	return c
}
