package volume

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/views"
)

func newListCommand(g *cli.Globals) *cobra.Command {
	var (
		filters          []string
		format           string
		quiet, noHeading bool
	)
	c := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   "List volumes",
		Long:    "List volumes, oldest first.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			list, err := rt.ListVolumes(cmd.Context(), filters)
			if err != nil {
				return err
			}
			if quiet {
				for _, v := range list {
					fmt.Fprintln(g.Stdout, v.Name)
				}
				return nil
			}
			return cli.Render(g.Stdout, format, views.Volumes(list), cli.View{
				Default: "table {{.Driver}}\t{{.Name}}", Headers: views.VolumeHeaders, NoHeading: noHeading,
			})
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&filters, "filter", "f", nil, "filter output (name=, label=, label!=, dangling=, driver=, scope=, opt=, until=)")
	f.StringVar(&format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only volume names")
	f.BoolVarP(&noHeading, "noheading", "n", false, "do not print the header row")
	return c
}
