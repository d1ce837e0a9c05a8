package volume

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/views"
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
			out := []views.Volume{}
			var errs []error
			if all {
				list, err := rt.ListVolumes(cmd.Context(), nil)
				if err != nil {
					return err
				}
				for _, v := range list {
					out = append(out, views.VolumeOf(v))
				}
			}
			for _, name := range args {
				v, err := rt.Volume(cmd.Context(), name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				out = append(out, views.VolumeOf(v))
			}
			if err := cli.Render(g.Stdout, format, out, cli.View{Default: "json"}); err != nil {
				return err
			}
			return reportErrors(g, errs)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template or 'json'")
	c.Flags().BoolVarP(&all, "all", "a", false, "inspect all volumes")
	return c
}
