package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newRestartCommand(g *cli.Globals) *cobra.Command {
	var all bool
	var timeout int
	c := &cobra.Command{
		Use:   "restart [options] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Long:  "Stop each container as `pod stop` does (if it runs), then start it. Prints the containers as given.",
		Args:  namesOrAll(&all),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			var t *int
			if cmd.Flags().Changed("time") {
				t = &timeout
			}
			if all {
				if args, err = containerIDs(ctx, rt); err != nil {
					return err
				}
			}
			return each(g, args, cli.ExitCode, func(name string) error {
				return rt.Restart(ctx, name, t)
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "restart all containers")
	f.IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container (default: the container's --stop-timeout)")
	return c
}
