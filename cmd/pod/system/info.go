package system

import (
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newInfoCommand(g *cli.Globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show the host, storage and runtime pod uses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			info, err := rt.Info(cmd.Context())
			if err != nil {
				return err
			}
			if format == "" {
				b, err := yaml.Marshal(info)
				if err != nil {
					return err
				}
				_, err = g.Stdout.Write(b)
				return err
			}
			return cli.Render(g.Stdout, format, []*engine.Info{info}, cli.View{JSON: info})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format the output with a Go template or 'json'")
	return cmd
}
