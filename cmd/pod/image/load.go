package image

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
)

func newLoadCommand(g *cli.Globals) *cobra.Command {
	var (
		o     images.LoadOptions
		quiet bool
	)
	cmd := &cobra.Command{
		Use:   "load [options]",
		Short: "Load images from an archive",
		Long: "Load every image of a docker-archive or oci-archive (optionally compressed), an OCI layout " +
			"directory or a docker-dir, from -i or from standard input.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Stdin = g.Stdin
			if !quiet {
				o.Progress = g.Stderr
			}
			if o.Input == "" && isTerminal(g.Stdin) {
				return errors.New("cannot read from terminal, use command-line redirection or the --input flag")
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			names, err := rt.Images().LoadImages(cmd.Context(), o)
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintln(g.Stdout, "Loaded image: "+n)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Input, "input", "i", "", "read from this archive or directory instead of standard input")
	f.BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	return cmd
}
