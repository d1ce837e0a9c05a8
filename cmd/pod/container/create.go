package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var f createFlags
	c := &cobra.Command{
		Use:   "create [options] IMAGE [COMMAND [ARG...]]",
		Short: "Create a container without starting it",
		Long: "Create a container from an image (pulled if missing) and print its ID. `pod start` runs it.\n" +
			"Flags are Docker's; the image's entrypoint, command, environment, working directory, user,\n" +
			"stop signal and labels apply unless a flag replaces them.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ctr, err := rt.Create(cmd.Context(), f.options(g, cmd, args))
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, ctr.ID)
			return nil
		},
	}
	addCreateFlags(c, &f)
	return c
}
