package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newWaitCommand(g *cli.Globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "wait CONTAINER [CONTAINER...]",
		Short: "Wait for containers to stop and print their exit codes",
		Long:  "Block until each container is not running, then print its exit code, one line per container.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			var last error
			for _, name := range args {
				code, err := rt.Wait(ctx, name)
				if err != nil {
					if last != nil {
						fmt.Fprintln(g.Stderr, cli.Message(last))
					}
					last = err
					continue
				}
				fmt.Fprintln(g.Stdout, code)
			}
			return last
		},
	}
	return c
}
