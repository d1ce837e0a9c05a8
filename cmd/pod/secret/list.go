package secret

import (
	"fmt"
	"time"

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
		Short:   "List secrets",
		Long:    "List secrets, oldest first.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			list, err := rt.ListSecrets(cmd.Context(), filters)
			if err != nil {
				return err
			}
			if quiet {
				for _, s := range list {
					fmt.Fprintln(g.Stdout, s.ID)
				}
				return nil
			}
			return cli.Render(g.Stdout, format, views.SecretRows(list, time.Now()), cli.View{
				Default:   "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}",
				Headers:   map[string]string{"CreatedAt": "CREATED", "UpdatedAt": "UPDATED"},
				NoHeading: noHeading,
			})
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&filters, "filter", "f", nil, "filter output (name=REGEXP, id=PREFIX, label=KEY[=VALUE])")
	f.StringVar(&format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only secret IDs")
	f.BoolVarP(&noHeading, "noheading", "n", false, "do not print the header row")
	return c
}
