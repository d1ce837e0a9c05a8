package image

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// signingFlags are podman's flags that sign what a push writes. pod links
// containers/image's pure-Go OpenPGP mechanism (the containers_image_openpgp
// build tag), which verifies signatures but cannot create them, and no
// sigstore signing; each flag is accepted only to refuse it in one line.
var signingFlags = []string{"sign-by", "sign-by-sigstore", "sign-by-sigstore-private-key", "sign-passphrase-file"}

// AddSigningFlags adds the signing flags to c, hidden: they only refuse.
func AddSigningFlags(c *cobra.Command) {
	f := c.Flags()
	for _, n := range signingFlags {
		f.String(n, "", "not supported: pod cannot create signatures")
		_ = f.MarkHidden(n)
	}
}

// CheckSigning refuses a signing flag that was given.
func CheckSigning(c *cobra.Command) error {
	for _, n := range signingFlags {
		if c.Flags().Changed(n) {
			return errSigning("--" + n)
		}
	}
	return nil
}

func errSigning(what string) error {
	return errdefs.NotImplementedf("%s: signing is not supported: pod's OpenPGP implementation (pure Go) verifies signatures but cannot create them", what)
}

// newSignCommand is podman's `image sign`, which pod cannot do: hidden,
// it refuses in one line so that a script learns why.
func newSignCommand(g *cli.Globals) *cobra.Command {
	c := &cobra.Command{
		Use:                "sign [options] IMAGE [IMAGE...]",
		Short:              "Sign an image (not supported)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return errSigning("image sign")
		},
	}
	return c
}
