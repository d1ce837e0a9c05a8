package image

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/views"
)

type listOptions struct {
	images.ListImagesOptions
	quiet, noTrunc, digests, history bool
	noHeading                        bool
	format, sort                     string
}

func newListCommand(g *cli.Globals) *cobra.Command {
	var o listOptions
	c := &cobra.Command{
		Use:     "ls [options] [REPOSITORY[:TAG]]",
		Aliases: []string{"list"},
		Short:   "List local images",
		Long:    "List local images, newest first. Same as `pod images`.",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Filters = append(o.Filters, "reference="+args[0])
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			list, err := rt.Images().ListImages(cmd.Context(), o.ListImagesOptions)
			if err != nil {
				return err
			}
			return printImages(g, rt, cmd, list, &o)
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.All, "all", "a", false, "show intermediate images too")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only image IDs")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "do not truncate IDs")
	f.BoolVar(&o.digests, "digests", false, "show digests")
	f.BoolVar(&o.history, "history", false, "show the names each image has had (HISTORY column)")
	f.StringArrayVarP(&o.Filters, "filter", "f", nil, "filter output (dangling=, label=, reference=, before=, since=, id=, until=)")
	f.StringVar(&o.format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVarP(&o.noHeading, "noheading", "n", false, "do not print the header row")
	f.StringVar(&o.sort, "sort", "created", "sort by created (newest first), id, repository, size or tag")
	return c
}

func printImages(g *cli.Globals, rt *engine.Runtime, cmd *cobra.Command, list []images.ImageSummary, o *listOptions) error {
	if err := sortImages(list, o.sort); err != nil {
		return err
	}
	if o.quiet {
		seen := map[string]bool{}
		for _, s := range list {
			if !seen[s.ID] {
				seen[s.ID] = true
				fmt.Fprintln(g.Stdout, views.DisplayImageID(s.ID, o.noTrunc))
			}
		}
		return nil
	}
	view := cli.View{Default: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}", Headers: views.ImageHeaders, NoHeading: o.noHeading}
	if o.digests {
		view.Default = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	}
	if o.history {
		view.Default += "\t{{.History}}"
	}
	if o.format == "json" || strings.Contains(o.format, ".Labels") {
		if err := rt.Images().WithLabels(cmd.Context(), list); err != nil {
			return err
		}
	}
	if o.format == "json" {
		view.JSON = views.ImageList(list)
	}
	rows := views.ImageRows(list, o.noTrunc, time.Now())
	// Repository and tag order the rows (one per name); the others the
	// images, in sortImages.
	switch o.sort {
	case "repository":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Repository < rows[j].Repository })
	case "tag":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Tag < rows[j].Tag })
	}
	return cli.Render(g.Stdout, o.format, rows, view)
}

// sortImages orders the list as podman's images --sort: created newest
// first (the engine's order), size largest first, id ascending; repository
// and tag order the rows (one per name), in printImages.
func sortImages(list []images.ImageSummary, by string) error {
	switch by {
	case "", "created", "repository", "tag":
	case "id":
		sort.SliceStable(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	case "size":
		sort.SliceStable(list, func(i, j int) bool { return list[i].Size > list[j].Size })
	default:
		return errdefs.InvalidArgumentf("invalid --sort %q: use created, id, repository, size or tag", by)
	}
	return nil
}
