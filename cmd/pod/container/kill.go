package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newKillCommand(g *cli.Globals) *cobra.Command {
	var sel selectFlags
	var signal string
	c := &cobra.Command{
		Use:   "kill [options] CONTAINER [CONTAINER...]",
		Short: "Send a signal to one or more running containers",
		Long:  "Send a signal (default SIGKILL) to each container's main process. Prints the containers as given.",
		Args:  namesAllOrCidfile(&sel.all, &sel.cidfiles),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if args, err = sel.targets(ctx, rt, args, false, engine.StatusRunning, engine.StatusPaused); err != nil {
				return err
			}
			return each(g, args, cli.ExitCode, func(name string) error {
				return rt.Kill(ctx, name, signal)
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&sel.all, "all", "a", false, "signal all running containers")
	f.StringArrayVar(&sel.cidfiles, "cidfile", nil, "signal the container whose ID run --cidfile wrote to FILE (repeatable)")
	f.StringVarP(&signal, "signal", "s", "KILL", "signal to send (name or number)")
	return c
}
