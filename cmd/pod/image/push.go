package image

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
)

func newPushCommand(g *cli.Globals) *cobra.Command {
	var (
		opts images.PushOptions
		reg  registryFlags
		pf   PushFlags
		sf   SigningFlags
	)
	c := &cobra.Command{
		Use:   "push [options] IMAGE [DESTINATION]",
		Short: "Push an image to a registry",
		Long: "Push a local image to a registry, to DESTINATION (registry/repository[:tag],\n" +
			"docker:// allowed) or else to the name the image is stored under.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sign, err := sf.Options(g)
			if err != nil {
				return err
			}
			opts.Sign = sign
			reg.apply(cmd, &opts.TLSVerify, &opts.AuthFile, &opts.Credentials, &opts.CertDir)
			pf.Apply(cmd, &opts.Compression)
			if !opts.Quiet {
				opts.Progress = g.Stderr
			}
			dest := ""
			if len(args) == 2 {
				dest = args[1]
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			d, err := rt.Images().Push(cmd.Context(), args[0], dest, opts)
			if err != nil {
				return err
			}
			return pf.WriteDigest(d)
		},
	}
	f := c.Flags()
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print no progress")
	f.StringVarP(&opts.Format, "format", "f", "", "manifest type to push: oci or v2s2 (default: the image's own)")
	pf.Bind(f, &opts.Compression, "write the digest of the pushed manifest to this file")
	f.BoolVar(&opts.RemoveSignatures, "remove-signatures", false, "do not copy signatures")
	f.BoolVar(&opts.Compression.Dir, "compress", false, "compress layers written to a dir: destination")
	// Docker's flag, a no-op in podman too: policy.json decides.
	f.Bool("disable-content-trust", false, "ignored (Docker compatibility): policy.json decides what is trusted")
	sf.Bind(f)
	reg.register(c, true)
	return c
}
