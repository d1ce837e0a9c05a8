package container

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newStopCommand(g *cli.Globals) *cobra.Command {
	var all, ignore bool
	var timeout int
	var cidfiles, filters []string
	c := &cobra.Command{
		Use:   "stop [options] CONTAINER [CONTAINER...]",
		Short: "Stop one or more running containers",
		Long: "Send each container its stop signal (--stop-signal, else the image's, else SIGTERM), wait up to\n" +
			"the timeout, then send SIGKILL. Prints the containers as given (with --all, their IDs).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(filters) > 0 {
				all = true
			}
			return namesAllOrCidfile(&all, &cidfiles)(cmd, args)
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
			switch {
			case len(filters) > 0:
				filter, err := engine.ParseContainerFilter(filters, time.Now())
				if err != nil {
					return err
				}
				list, err := rt.ListContainers(ctx, engine.ListOptions{All: true, Filter: filter})
				if err != nil {
					return err
				}
				for _, c := range list {
					if c.Status == engine.StatusRunning || c.Status == engine.StatusPaused {
						args = append(args, c.ID)
					}
				}
			case all:
				if args, err = containerIDs(ctx, rt, engine.StatusRunning, engine.StatusPaused); err != nil {
					return err
				}
			}
			ids, err := cidfileIDs(cidfiles, ignore)
			if err != nil {
				return err
			}
			return each(g, append(args, ids...), cli.ExitCode, func(name string) error {
				err := rt.Stop(ctx, name, t)
				if ignore && errors.Is(err, engine.ErrNoSuchContainer) {
					return errSkipped
				}
				return err
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "stop all running containers")
	f.StringArrayVarP(&filters, "filter", "f", nil, "stop the running containers that match, as ps --filter selects them (implies --all)")
	f.StringArrayVar(&cidfiles, "cidfile", nil, "stop the container whose ID run --cidfile wrote to FILE (repeatable)")
	f.BoolVarP(&ignore, "ignore", "i", false, "ignore containers (and --cidfile files) that do not exist")
	f.IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container (default: the container's --stop-timeout)")
	return c
}
