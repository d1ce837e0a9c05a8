package network

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newInspectCommand(g *cli.Globals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "inspect [options] NETWORK [NETWORK...]",
		Short: "Show the configuration of networks",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			nets, err := rt.NetworkInspect(cmd.Context(), args...)
			if err != nil {
				return err
			}
			return cli.Render(g.Stdout, format, nets, cli.View{Default: "json"})
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "", "Go template applied to each network (fields as in the JSON: {{.Name}}, {{.Subnets}}, ...)")
	return c
}
