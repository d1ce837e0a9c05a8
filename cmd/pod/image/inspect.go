package image

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
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
				out  []*engine.ImageInspect
				errs []error
			)
			for _, name := range args {
				ii, err := rt.InspectImage(cmd.Context(), name)
				if err != nil {
					errs = append(errs, err) // the error names the image
					continue
				}
				out = append(out, ii)
			}
			if format == "" || format == "json" {
				if out == nil {
					out = []*engine.ImageInspect{}
				}
				if err := cli.WriteJSON(g.Stdout, out); err != nil {
					return err
				}
			} else {
				tmpl, _, err := cli.ParseTemplate(format)
				if err != nil {
					return err
				}
				items, err := templateItems(out)
				if err != nil {
					return err
				}
				if err := cli.WriteTemplate(g.Stdout, tmpl, nil, items); err != nil {
					return err
				}
			}
			return reportErrors(g, errs)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template or 'json'")
	return c
}

// templateItems turns inspect results into maps keyed by their JSON names,
// so --format takes the names the JSON shows ({{.Id}}, {{.Config.Env}}),
// as Docker does; {{.ID}} works too, as in podman.
func templateItems(out []*engine.ImageInspect) ([]map[string]any, error) {
	items := make([]map[string]any, 0, len(out))
	for _, ii := range out {
		b, err := json.Marshal(ii)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		m["ID"] = m["Id"]
		items = append(items, m)
	}
	return items, nil
}

func reportErrors(g *cli.Globals, errs []error) error {
	return cli.ReportErrors(g.Stderr, errs)
}
