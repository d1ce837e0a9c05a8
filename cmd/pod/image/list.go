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
)

// imageRow is one line of `pod images`; its fields are what --format
// templates can use.
type imageRow struct {
	ID           string
	Repository   string
	Tag          string
	Digest       string
	Created      string // same as CreatedSince, as podman
	CreatedSince string
	CreatedAt    string
	Size         string
	Containers   string
	Dangling     string
	Labels       map[string]string
}

var imageRowHeaders = imageRow{
	ID: "IMAGE ID", Repository: "REPOSITORY", Tag: "TAG", Digest: "DIGEST",
	Created: "CREATED", CreatedSince: "CREATED", CreatedAt: "CREATED AT", Size: "SIZE",
	Containers: "CONTAINERS", Dangling: "DANGLING",
}

// imageJSON is one element of `pod images --format json`, shaped as
// podman's.
type imageJSON struct {
	ID          string            `json:"Id"`
	ParentID    string            `json:"ParentId"`
	RepoTags    []string          `json:"RepoTags"`
	RepoDigests []string          `json:"RepoDigests"`
	Size        int64             `json:"Size"`
	SharedSize  int64             `json:"SharedSize"`
	VirtualSize int64             `json:"VirtualSize"`
	Labels      map[string]string `json:"Labels"`
	Containers  int               `json:"Containers"`
	Names       []string          `json:"Names"`
	Digest      string            `json:"Digest"`
	Dangling    bool              `json:"Dangling"`
	Created     int64             `json:"Created"`
	CreatedAt   string            `json:"CreatedAt"`
}

type listOptions struct {
	engine.ListImagesOptions
	quiet, noTrunc, digests bool
	noHeading               bool
	format, sort            string
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
			list, err := rt.ListImages(cmd.Context(), o.ListImagesOptions)
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
	f.StringArrayVarP(&o.Filters, "filter", "f", nil, "filter output (dangling=, label=, reference=, before=, since=, id=, until=)")
	f.StringVar(&o.format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVarP(&o.noHeading, "noheading", "n", false, "do not print the header row")
	f.StringVar(&o.sort, "sort", "created", "sort by created (newest first), id, repository, size or tag")
	return c
}

func printImages(g *cli.Globals, rt *engine.Runtime, cmd *cobra.Command, list []engine.ImageSummary, o *listOptions) error {
	if err := sortImages(list, o.sort); err != nil {
		return err
	}
	if o.quiet {
		seen := map[string]bool{}
		for _, s := range list {
			if !seen[s.ID] {
				seen[s.ID] = true
				fmt.Fprintln(g.Stdout, displayID(s.ID, o.noTrunc))
			}
		}
		return nil
	}
	if o.format == "json" {
		if err := rt.WithLabels(cmd.Context(), list); err != nil {
			return err
		}
		out := make([]imageJSON, 0, len(list))
		for _, s := range list {
			out = append(out, imageJSON{
				ID: s.ID, RepoTags: emptyIfNil(taggedOnly(s.RepoTags)), RepoDigests: emptyIfNil(s.RepoDigests),
				Size: s.Size, VirtualSize: s.Size, Labels: s.Labels, Containers: s.Containers,
				Names: emptyIfNil(s.RepoTags), Digest: s.Digest, Dangling: s.Dangling,
				Created: s.Created.Unix(), CreatedAt: s.Created.Format(time.RFC3339Nano),
			})
		}
		return cli.WriteJSON(g.Stdout, out)
	}
	format := o.format
	if format == "" {
		format = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		if o.digests {
			format = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		}
	}
	if strings.Contains(format, ".Labels") {
		if err := rt.WithLabels(cmd.Context(), list); err != nil {
			return err
		}
	}
	tmpl, table, err := cli.ParseTemplate(format)
	if err != nil {
		return err
	}
	rows := imageRows(list, o.noTrunc, time.Now())
	switch o.sort {
	case "repository":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Repository < rows[j].Repository })
	case "tag":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Tag < rows[j].Tag })
	}
	var headers *imageRow
	if table && !o.noHeading {
		headers = &imageRowHeaders
	}
	return cli.WriteTemplate(g.Stdout, tmpl, headers, rows)
}

// imageRows makes one row per name of each image, or one <none> row for
// an image without names.
func imageRows(list []engine.ImageSummary, noTrunc bool, now time.Time) []imageRow {
	var rows []imageRow
	for _, s := range list {
		base := imageRow{
			ID:           displayID(s.ID, noTrunc),
			Digest:       s.Digest,
			CreatedSince: createdSince(s.Created, now),
			CreatedAt:    s.Created.String(),
			Size:         humanSize(s.Size),
			Containers:   fmt.Sprint(s.Containers),
			Dangling:     fmt.Sprint(s.Dangling),
			Labels:       s.Labels,
		}
		base.Created = base.CreatedSince
		if len(s.RepoTags) == 0 {
			r := base
			r.Repository, r.Tag = "<none>", "<none>"
			rows = append(rows, r)
			continue
		}
		// A name by digest (a pull by digest) is a <none> row only for a
		// repository the image has no tag in, once, as podman lists it.
		tagged := map[string]bool{}
		var digested []string
		for _, name := range s.RepoTags {
			r := base
			r.Repository, r.Tag = engine.SplitName(name)
			if engine.IsDigestedName(name) {
				digested = append(digested, r.Repository)
				continue
			}
			tagged[r.Repository] = true
			rows = append(rows, r)
		}
		for _, repo := range digested {
			if !tagged[repo] {
				tagged[repo] = true
				r := base
				r.Repository, r.Tag = repo, "<none>"
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// taggedOnly drops the names by digest, which Docker's RepoTags never hold.
func taggedOnly(names []string) []string {
	var out []string
	for _, n := range names {
		if !engine.IsDigestedName(n) {
			out = append(out, n)
		}
	}
	return out
}

func emptyIfNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sortImages orders the list as podman's images --sort: created newest
// first (the engine's order), size largest first, id ascending; repository
// and tag order the rows (one per name), in printImages.
func sortImages(list []engine.ImageSummary, by string) error {
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
