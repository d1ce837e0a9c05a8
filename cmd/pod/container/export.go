package container

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newExportCommand(g *cli.Globals) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "export [options] CONTAINER",
		Short: "Export a container's filesystem contents as a tar archive",
		Long: "Write the container's root filesystem (running or not) as an uncompressed tar archive to\n" +
			"standard output, or with --output to a file. A terminal is refused.",
		Example: "pod export -o web.tar web\n  pod export web | tar t",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			return cli.WriteArchive(g, output, "export", func(w io.Writer) error { return rt.Export(ctx, args[0], w) })
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return c
}
