package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newRestartCommand(g *cli.Globals) *cobra.Command {
	var sel selectFlags
	var running bool
	var timeout int
	c := &cobra.Command{
		Use:   "restart [options] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Long: "Stop each container as `pod stop` does (if it runs), then start it. Prints the containers as given\n" +
			"(with --all or --filter, their IDs).",
		Args: func(cmd *cobra.Command, args []string) error {
			if running {
				if len(args) > 0 || len(sel.cidfiles) > 0 {
					return errors.New("--running and container names, IDs or --cidfile cannot be used together")
				}
				sel.all = true
			}
			return sel.args()(cmd, args)
		},
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
			var only []engine.Status
			if running {
				only = []engine.Status{engine.StatusRunning}
			}
			if args, err = sel.targets(ctx, rt, args, false, only...); err != nil {
				return err
			}
			return each(g, args, cli.ExitCode, func(name string) error {
				return rt.Restart(ctx, name, t)
			})
		},
	}
	f := c.Flags()
	sel.add(f, "restart", "restart all containers")
	f.BoolVar(&running, "running", false, "restart all the containers that are running (implies --all)")
	f.IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container (default: the container's --stop-timeout)")
	return c
}
