package image

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/views"
)

func newSearchCommand(g *cli.Globals) *cobra.Command {
	var (
		opts                images.SearchOptions
		reg                 registryFlags
		format              string
		noTrunc, compatible bool
	)
	c := &cobra.Command{
		Use:   "search [options] TERM",
		Short: "Search registries for images",
		Long: "Search the registry TERM names (REGISTRY/NAME), or each unqualified-search registry of\n" +
			"registries.conf, for repositories whose name contains TERM. A registry without the Docker Hub\n" +
			"search API is searched through its /v2/_catalog. With --list-tags, list a repository's tags.",
		Example: "pod search registry.example:5000/busy\n  pod search --list-tags registry.example:5000/busybox",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg.apply(cmd, &opts.TLSVerify, &opts.AuthFile, &opts.Credentials, &opts.CertDir)
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			found, err := rt.Images().Search(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			def := "table {{.Name}}\t{{.Description}}"
			switch {
			case opts.ListTags:
				def = "table {{.Name}}\t{{.Tag}}"
			case compatible:
				def = "table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}\t{{.Automated}}"
			}
			return cli.Render(g.Stdout, format, views.SearchRows(found, noTrunc), cli.View{Default: def})
		},
	}
	f := c.Flags()
	f.IntVar(&opts.Limit, "limit", 0, "most results per registry (default 25)")
	f.StringArrayVarP(&opts.Filters, "filter", "f", nil, "filter results (stars=N, is-official=BOOL, is-automated=BOOL)")
	f.StringVar(&format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate descriptions")
	f.BoolVar(&compatible, "compatible", false, "also show stars, official and automated, as Docker does")
	f.BoolVar(&opts.ListTags, "list-tags", false, "list the tags of the repository TERM names")
	reg.register(c, true)
	return c
}
