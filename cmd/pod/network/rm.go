package network

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newRemoveCommand(g *cli.Globals) *cobra.Command {
	var force bool
	var timeout int
	c := &cobra.Command{
		Use:     "rm [options] NETWORK [NETWORK...]",
		Aliases: []string{"remove"},
		Short:   "Remove networks",
		Long: "Remove networks. A network that containers use is refused unless -f, which removes\n" +
			"those containers first. The default network cannot be removed.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			var errs []error
			for _, a := range args {
				n, err := rt.NetworkRemoveTimeout(cmd.Context(), a, force, &timeout)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(g.Stdout, n.Name)
			}
			if len(errs) == 0 {
				return nil
			}
			// Each failure gets its own line; the last one is printed by main.
			for _, e := range errs[:len(errs)-1] {
				fmt.Fprintln(g.Stderr, "Error:", e)
			}
			return errs[len(errs)-1]
		},
	}
	c.Flags().BoolVarP(&force, "force", "f", false, "remove the containers that use the network too")
	c.Flags().IntVarP(&timeout, "time", "t", 0, "with --force, seconds a running container gets to stop before it is killed")
	return c
}
