package network

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/views"
)

func newListCommand(g *cli.Globals) *cobra.Command {
	var (
		quiet, noTrunc, noHeading bool
		format                    string
		filters                   []string
	)
	c := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   "List networks",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs, err := engine.ParseNetworkFilters(filters)
			if err != nil {
				return err
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			nets, err := rt.NetworkList(cmd.Context(), fs)
			if err != nil {
				return err
			}
			if quiet {
				for _, n := range nets {
					fmt.Fprintln(g.Stdout, n.Name)
				}
				return nil
			}
			view := cli.View{Default: "table {{.ID}}\t{{.Name}}\t{{.Driver}}", Headers: views.NetworkHeaders, NoHeading: noHeading}
			if format == "json" {
				view.JSON = nets
			}
			return cli.Render(g.Stdout, format, views.NetworkRows(nets, noTrunc), view)
		},
	}
	f := c.Flags()
	f.BoolVarP(&quiet, "quiet", "q", false, "print only network names")
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate network IDs")
	f.BoolVar(&noHeading, "noheading", false, "do not print the header row")
	f.StringVar(&format, "format", "", "Go template for each network, or json")
	f.StringArrayVarP(&filters, "filter", "f", nil, "filter networks: name=REGEX, id=PREFIX, driver=DRIVER, label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME")
	return c
}
