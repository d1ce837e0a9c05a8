package system

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// dfRow is one line of `system df`; --format templates address its fields.
type dfRow struct {
	Type        string
	Total       int
	Active      int
	Size        string
	Reclaimable string
	RawSize     int64
}

func newDFCommand(g *cli.Globals) *cobra.Command {
	var (
		verbose bool
		format  string
	)
	cmd := &cobra.Command{
		Use:   "df [options]",
		Short: "Show the disk space images, containers and volumes use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if verbose && format != "" {
				return fmt.Errorf("cannot combine --format and --verbose")
			}
			ctx := cmd.Context()
			r, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			du, err := r.DiskUsage(ctx)
			if err != nil {
				return err
			}
			if verbose {
				return writeDFVerbose(g.Stdout, du, time.Now())
			}
			rows := dfRows(du)
			if format == "" {
				tw := tabwriter.NewWriter(g.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", r.Type, r.Total, r.Active, r.Size, r.Reclaimable)
				}
				return tw.Flush()
			}
			return cli.Render(g.Stdout, format, rows, cli.View{})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&verbose, "verbose", "v", false, "show the usage of each image, container and volume")
	f.StringVar(&format, "format", "", "format the output with a Go template or 'json'")
	return cmd
}

func size(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }

func reclaimable(n, total int64) string {
	pct := 0
	if total > 0 {
		pct = int(100 * n / total)
	}
	return fmt.Sprintf("%s (%d%%)", size(n), pct)
}

// dfRows renders the engine's totals; the engine does the sums.
func dfRows(du *engine.DiskUsage) []dfRow {
	rows := make([]dfRow, len(du.Totals))
	for i, t := range du.Totals {
		rows[i] = dfRow{t.Kind, t.Total, t.Active, size(t.Size), reclaimable(t.Reclaimable, t.Size), t.Size}
	}
	return rows
}

func writeDFVerbose(w io.Writer, du *engine.DiskUsage, now time.Time) error {
	ago := func(t time.Time) string { return units.HumanDuration(now.Sub(t)) + " ago" }
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "Images space usage:\n\n")
	fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS")
	for _, i := range du.Images {
		repos := i.RepoTags
		if len(repos) == 0 {
			repos = []string{"<none>:<none>"}
		}
		for _, rt := range repos {
			repo, tag := rt, "<none>"
			if k := strings.LastIndex(rt, ":"); k > strings.LastIndex(rt, "/") {
				repo, tag = rt[:k], rt[k+1:]
			}
			fmt.Fprintf(tw, "%s\t%s\t%.12s\t%s\t%s\t%s\t%s\t%d\n", repo, tag, strings.TrimPrefix(i.ID, "sha256:"), ago(i.Created),
				size(i.Size), size(i.SharedSize), size(i.UniqueSize), i.Containers)
		}
	}
	fmt.Fprint(tw, "\nContainers space usage:\n\n")
	fmt.Fprintln(tw, "CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES")
	for _, c := range du.Containers {
		fmt.Fprintf(tw, "%.12s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", c.ID, c.Image, truncate(c.Command, 20), c.LocalVolumes, size(c.Size), ago(c.Created), c.Status, c.Name)
	}
	fmt.Fprint(tw, "\nLocal Volumes space usage:\n\n")
	fmt.Fprintln(tw, "VOLUME NAME\tLINKS\tSIZE")
	for _, v := range du.Volumes {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", v.Name, v.Links, size(v.Size))
	}
	return tw.Flush()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
