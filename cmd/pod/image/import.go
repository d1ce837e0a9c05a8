package image

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/storage"
)

func newImportCommand(g *cli.Globals) *cobra.Command {
	var (
		o     storage.ImportOptions
		quiet bool
	)
	cmd := &cobra.Command{
		Use:   "import [options] FILE|URL|- [REFERENCE]",
		Short: "Create an image from a root filesystem tarball",
		Long: "Create a one-layer image from a tarball of a root filesystem (uncompressed, gzip, bzip2, xz " +
			"or zstd) read from a file, an http(s) URL or standard input (-), and print its ID.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Source = args[0]
			if len(args) > 1 {
				o.Reference = args[1]
			}
			o.Stdin = g.Stdin
			if !quiet {
				o.Progress = g.Stderr
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			id, err := rt.Images().ImportImage(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, "sha256:"+id)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.Changes, "change", "c", nil, "apply a Dockerfile instruction to the image: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR (repeatable)")
	f.StringVarP(&o.Message, "message", "m", "", "commit message recorded in the image history")
	f.BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	f.StringVar(&o.Arch, "arch", "", "architecture the image records (default: this machine's)")
	f.StringVar(&o.OS, "os", "", "operating system the image records (default: linux)")
	f.StringVar(&o.Variant, "variant", "", "architecture variant the image records")
	return cmd
}
