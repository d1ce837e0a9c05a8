package image

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
)

func newInspectCommand(g *cli.Globals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "inspect [options] IMAGE [IMAGE...]",
		Short: "Show details of local images",
		Long:  "Print a JSON array describing each image, or apply a Go template to each with --format.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			var (
				out  []*images.ImageInspect
				errs []error
			)
			for _, name := range args {
				ii, err := rt.Images().InspectImage(cmd.Context(), name)
				if err != nil {
					errs = append(errs, err) // the error names the image
					continue
				}
				out = append(out, ii)
			}
			if err := cli.Render(g.Stdout, format, out, cli.View{Default: "json"}); err != nil {
				return err
			}
			return reportErrors(g, errs)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template or 'json'")
	return c
}

func reportErrors(g *cli.Globals, errs []error) error {
	return cli.ReportErrors(g.Stderr, errs)
}
