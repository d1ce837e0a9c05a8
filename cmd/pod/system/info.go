package system

import (
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/pod-engine/pod/cmd/pod/cli"
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
			switch format {
			case "":
				b, err := yaml.Marshal(info)
				if err != nil {
					return err
				}
				_, err = g.Stdout.Write(b)
				return err
			case "json":
				return cli.WriteJSON(g.Stdout, info)
			}
			tmpl, _, err := cli.ParseTemplate(format)
			if err != nil {
				return err
			}
			return tmpl.Execute(g.Stdout, info)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format the output with a Go template or 'json'")
	return cmd
}
