package manifest

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/cmd/pod/image"
	"github.com/pod-engine/pod/pkg/images"
)

func newPushCommand(g *cli.Globals) *cobra.Command {
	var (
		o   images.ManifestPushOptions
		reg image.RegistryFlags
		pf  image.PushFlags
		sf  image.SigningFlags
	)
	c := &cobra.Command{
		Use:   "push [options] LIST [DESTINATION]",
		Short: "Push a manifest list or image index to a registry",
		Long: "Push the manifest list LIST, with the images it names (--all, the default), to DESTINATION:\n" +
			"a registry reference, or any transport (docker://, oci-archive:, dir:, ...); without it, to\n" +
			"the name the list is stored under.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sign, err := sf.Options(g)
			if err != nil {
				return err
			}
			o.Sign = sign
			reg.Apply(cmd, &o.RegistryOptions)
			pf.Apply(cmd, &o.Compression)
			if !o.Quiet {
				o.Progress = g.Stderr
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
			d, err := rt.Images().PushManifestList(cmd.Context(), args[0], dest, o)
			if err != nil {
				return err
			}
			return pf.WriteDigest(d)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.All, "all", true, "push the images the list names too, not only the list")
	f.StringArrayVar(&o.AddCompression, "add-compression", nil, "also push each image compressed with this (gzip, zstd, zstd:chunked), as an extra entry (repeatable)")
	f.StringVarP(&o.Format, "format", "f", "", "manifest type to push: oci or v2s2 (the list follows)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print no progress")
	f.BoolVar(&o.RemoveSignatures, "remove-signatures", false, "do not copy signatures")
	f.BoolVar(&o.Remove, "rm", false, "remove the local list after a successful push")
	pf.Bind(f, &o.Compression, "write the digest of the pushed list to this file")
	sf.Bind(f)
	reg.Register(c, true)
	return c
}
