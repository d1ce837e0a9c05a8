package pod

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newInspectCommand(g *cli.Globals) *cobra.Command {
	var (
		format string
		latest bool
	)
	c := &cobra.Command{
		Use:   "inspect [options] POD [POD...]",
		Short: "Show details of pods",
		Long:  "Print a JSON array describing each pod, or apply a Go template to each with --format.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !latest {
				return errdefs.InvalidArgumentf("provide one or more pod names or IDs, or use --latest")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if latest {
				pods, err := rt.Pods(ctx)
				if err != nil {
					return err
				}
				if len(pods) == 0 {
					return errdefs.NotFoundf("no pods to inspect")
				}
				args = []string{pods[0].ID}
			}
			out := []*engine.PodInspect{}
			var errs []error
			for _, name := range args {
				p, err := rt.InspectPod(ctx, name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				out = append(out, p)
			}
			if format == "" || format == "json" {
				if err := cli.WriteJSON(g.Stdout, out); err != nil {
					return err
				}
				return cli.ReportErrors(g.Stderr, errs)
			}
			if err := cli.Render(g.Stdout, format, out, cli.View{}); err != nil {
				return err
			}
			return cli.ReportErrors(g.Stderr, errs)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "", "format the output with a Go template, or json")
	c.Flags().BoolVarP(&latest, "latest", "l", false, "inspect the latest pod")
	return c
}
