package image

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
)

func newPullCommand(g *cli.Globals) *cobra.Command {
	var (
		opts images.PullOptions
		reg  registryFlags
	)
	c := &cobra.Command{
		Use:   "pull [options] IMAGE",
		Short: "Pull an image from a registry",
		Long: "Pull an image from a registry into local storage. A short name is tried at each\n" +
			"unqualified-search registry of registries.conf. Prints the image ID when done.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg.apply(cmd, &opts.TLSVerify, &opts.AuthFile, &opts.Credentials, &opts.CertDir)
			if !opts.Quiet {
				opts.Progress = g.Stderr
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ids, err := rt.Images().Pull(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			for _, id := range ids {
				fmt.Fprintln(g.Stdout, id)
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the image ID, no progress")
	f.BoolVarP(&opts.AllTags, "all-tags", "a", false, "pull every tag of the repository")
	f.StringArrayVar(&opts.DecryptionKeys, "decryption-key", nil, "a private key, KEY[:PASSPHRASE], that decrypts an encrypted image (repeatable)")
	f.StringVar(&opts.Platform, "platform", "", "pull the image for this platform (os/arch[/variant]) instead of this machine's")
	f.StringVar(&opts.Arch, "arch", "", "pull the image for this architecture instead of this machine's")
	f.StringVar(&opts.OS, "os", "", "pull the image for this operating system instead of this machine's")
	f.StringVar(&opts.Variant, "variant", "", "pull the image for this architecture variant (arm's v7, v8, ...)")
	// Docker's flag, a no-op in podman too: policy.json decides.
	f.Bool("disable-content-trust", false, "ignored (Docker compatibility): policy.json decides what is trusted")
	reg.register(c, true)
	return c
}
