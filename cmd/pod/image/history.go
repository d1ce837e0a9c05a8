package image

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/views"
)

func newHistoryCommand(g *cli.Globals) *cobra.Command {
	var (
		noTrunc, quiet, human bool
		format                string
	)
	c := &cobra.Command{
		Use:   "history [options] IMAGE",
		Short: "Show the history of an image",
		Long:  "Show the steps that built an image, newest first, with the size each layer adds.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			hist, err := rt.Images().ImageHistory(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if quiet {
				for _, h := range hist {
					id := h.ID
					if id != "<missing>" {
						id = views.DisplayImageID(id, noTrunc)
					}
					fmt.Fprintln(g.Stdout, id)
				}
				return nil
			}
			view := cli.View{Default: "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}", Headers: views.HistoryHeaders}
			if format == "json" {
				view.JSON = views.HistoryJSON(hist)
			}
			return cli.Render(g.Stdout, format, views.HistoryRows(hist, noTrunc, human, time.Now()), view)
		},
	}
	f := c.Flags()
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate IDs and commands")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the IDs")
	f.BoolVarP(&human, "human", "H", true, "show times as \"2 hours ago\" rather than timestamps")
	f.StringVar(&format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	return c
}
