package image

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/storage"
)

func newSaveCommand(g *cli.Globals) *cobra.Command {
	var (
		o     storage.SaveOptions
		quiet bool
		multi bool
	)
	cmd := &cobra.Command{
		Use:   "save [options] IMAGE [IMAGE...]",
		Short: "Save images to an archive",
		Long: "Save one or more images to a docker-archive (the default), or one image to an oci-archive, " +
			"an OCI layout directory (oci-dir) or a docker-dir, written to -o or to standard output.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Images = args
			o.Stdout = g.Stdout
			if !quiet {
				o.Progress = g.Stderr
			}
			if o.Output == "" && isTerminal(g.Stdout) {
				return errors.New("refusing to save to terminal. Use -o flag or redirect")
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.Images().SaveImages(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "write to this file (directory for oci-dir and docker-dir) instead of standard output")
	f.StringVar(&o.Format, "format", storage.FormatDockerArchive, "docker-archive, oci-archive, oci-dir or docker-dir")
	f.BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	f.BoolVar(&o.Uncompressed, "uncompressed", false, "keep layers uncompressed in oci-archive and oci-dir")
	f.BoolVar(&o.Compress, "compress", false, "gzip the layers of a docker-dir (uncompressed otherwise)")
	// pod always saves every named image (as Docker does); the flag is
	// podman's way of asking for that and is accepted for its scripts.
	f.BoolVarP(&multi, "multi-image-archive", "m", false, "save every named image into one docker-archive (the default)")
	return cmd
}
