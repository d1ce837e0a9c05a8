package volume

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newExportCommand(g *cli.Globals) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "export [options] VOLUME",
		Short: "Export a volume's contents as a tar archive",
		Long: "Write the volume's contents as an uncompressed tar archive to standard output, or with\n" +
			"--output to a file. A terminal is refused.",
		Example: "pod volume export -o data.tar data",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			return cli.WriteArchive(g, output, "export", func(w io.Writer) error { return rt.ExportVolume(ctx, args[0], w) })
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return c
}

func newImportCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import VOLUME FILE|-",
		Short: "Import a tar archive into a volume",
		Long: "Extract a tar archive (plain or compressed) from FILE, or standard input with -, into an\n" +
			"existing volume, over its contents.",
		Example: "pod volume import data data.tar\n  gzip -dc data.tgz | pod volume import data -",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var in io.Reader = g.Stdin
			if args[1] != "-" {
				f, err := os.Open(args[1])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.ImportVolume(ctx, args[0], in)
		},
	}
}
