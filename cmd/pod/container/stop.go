package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newStopCommand(g *cli.Globals) *cobra.Command {
	var all bool
	var timeout int
	c := &cobra.Command{
		Use:   "stop [options] CONTAINER [CONTAINER...]",
		Short: "Stop one or more running containers",
		Long: "Send each container its stop signal (--stop-signal, else the image's, else SIGTERM), wait up to\n" +
			"the timeout, then send SIGKILL. Prints the containers as given (with --all, their IDs).",
		Args: namesOrAll(&all),
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
				if args, err = containerIDs(ctx, rt, engine.StatusRunning, engine.StatusPaused); err != nil {
					return err
				}
			}
			return each(g, args, cli.ExitCode, func(name string) error {
				return rt.Stop(ctx, name, t)
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "stop all running containers")
	f.IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container (default: the container's --stop-timeout)")
	return c
}
