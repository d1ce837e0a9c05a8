package image

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// historyRow is one line of `pod history`; its fields are what --format
// templates can use.
type historyRow struct {
	ID           string
	Created      string
	CreatedSince string
	CreatedAt    string
	CreatedBy    string
	Size         string
	Comment      string
	Tags         string
}

var historyHeaders = historyRow{ID: "IMAGE", Created: "CREATED", CreatedSince: "CREATED", CreatedAt: "CREATED AT",
	CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT", Tags: "TAGS"}

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
			hist, err := rt.ImageHistory(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if quiet {
				for _, h := range hist {
					id := h.ID
					if id != "<missing>" {
						id = displayID(id, noTrunc)
					}
					fmt.Fprintln(g.Stdout, id)
				}
				return nil
			}
			if format == "json" {
				return cli.WriteJSON(g.Stdout, hist)
			}
			if format == "" {
				format = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
			}
			tmpl, table, err := cli.ParseTemplate(format)
			if err != nil {
				return err
			}
			now := time.Now()
			rows := make([]historyRow, 0, len(hist))
			for _, h := range hist {
				r := historyRow{ID: h.ID, CreatedBy: h.CreatedBy, Comment: h.Comment,
					CreatedAt: h.Created.Format(time.RFC3339), Size: humanSize(h.Size), Tags: fmt.Sprint(h.Tags)}
				if r.ID != "<missing>" {
					r.ID = displayID(r.ID, noTrunc)
				}
				r.CreatedSince = createdSince(h.Created, now)
				r.Created = r.CreatedSince
				if !human {
					r.Created = r.CreatedAt
				}
				if !noTrunc {
					r.CreatedBy = truncateText(r.CreatedBy, 45)
				}
				rows = append(rows, r)
			}
			var headers *historyRow
			if table {
				headers = &historyHeaders
			}
			return cli.WriteTemplate(g.Stdout, tmpl, headers, rows)
		},
	}
	f := c.Flags()
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate IDs and commands")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the IDs")
	f.BoolVarP(&human, "human", "H", true, "show times as \"2 hours ago\" rather than timestamps")
	f.StringVar(&format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	return c
}
