package volume

import (
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newInspectCommand(g *cli.Globals) *cobra.Command {
	var (
		format string
		all    bool
	)
	c := &cobra.Command{
		Use:   "inspect [options] VOLUME [VOLUME...]",
		Short: "Show details of volumes",
		Long:  "Print a JSON array describing each volume, or apply a Go template to each with --format.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !all {
				return errors.New("provide one or more volume names or use --all")
			}
			if len(args) > 0 && all {
				return errors.New("--all and volume names cannot be used together")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			out := []volumeJSON{}
			var errs []error
			if all {
				list, err := rt.ListVolumes(cmd.Context(), nil)
				if err != nil {
					return err
				}
				for _, v := range list {
					out = append(out, toJSON(v))
				}
			}
			for _, name := range args {
				v, err := rt.Volume(cmd.Context(), name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				out = append(out, toJSON(v))
			}
			if format == "" || format == "json" {
				if err := cli.WriteJSON(g.Stdout, out); err != nil {
					return err
				}
				return reportErrors(g, errs)
			}
			tmpl, _, err := cli.ParseTemplate(format)
			if err != nil {
				return err
			}
			// A label or option a volume lacks prints "<no value>", as in
			// podman, rather than failing the whole listing.
			tmpl.Option("missingkey=default")
			// Maps keyed by the JSON names, so that {{.Options.type}} and
			// fields JSON leaves out ({{.UID}}) both work.
			items := make([]map[string]any, 0, len(out))
			for _, v := range out {
				b, _ := json.Marshal(v)
				m := map[string]any{"UID": 0, "GID": 0, "Anonymous": false, "NeedsCopyUp": false}
				if err := json.Unmarshal(b, &m); err != nil {
					return err
				}
				items = append(items, m)
			}
			if err := cli.WriteTemplate(g.Stdout, tmpl, nil, items); err != nil {
				return err
			}
			return reportErrors(g, errs)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template or 'json'")
	c.Flags().BoolVarP(&all, "all", "a", false, "inspect all volumes")
	return c
}
