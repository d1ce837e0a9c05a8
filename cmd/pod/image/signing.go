package image

import (
	"errors"
	"fmt"
	"os"

	icli "github.com/containers/image/v5/pkg/cli"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/signing"
	"github.com/pod-engine/pod/pkg/storage"
)

// SigningFlags are podman's flags that sign what a push writes.
type SigningFlags struct {
	gpgKey, sigstoreKey, sigstoreParams, passphraseFile string
}

// Bind adds --sign-by, --sign-by-sigstore, --sign-by-sigstore-private-key
// and --sign-passphrase-file.
func (s *SigningFlags) Bind(f *pflag.FlagSet) {
	f.StringVar(&s.gpgKey, "sign-by", "", "sign the pushed image with this GPG key (simple signing; needs gpg)")
	f.StringVar(&s.sigstoreParams, "sign-by-sigstore", "", "sign with sigstore as this parameter file says (containers-sigstore-signing-params.yaml)")
	f.StringVar(&s.sigstoreKey, "sign-by-sigstore-private-key", "", "sign with sigstore using this private key file (cosign format)")
	f.StringVar(&s.passphraseFile, "sign-passphrase-file", "", "read the passphrase of the signing key from the first line of this file")
}

// Options reads the passphrase, from --sign-passphrase-file, else (for a
// sigstore private key, as podman does) from the terminal; GPG's own agent
// asks for a GPG key's.
func (s *SigningFlags) Options(g *cli.Globals) (signing.Options, error) {
	o := signing.Options{GPGKey: s.gpgKey, SigstorePrivateKey: s.sigstoreKey, SigstoreParams: s.sigstoreParams,
		PassphrasePrompt: func(keyFile string) (string, error) { return promptPassphrase(g, keyFile) },
		Stdin:            g.Stdin, Stdout: g.Stderr}
	if s.passphraseFile != "" {
		if s.gpgKey != "" && s.sigstoreKey != "" {
			return o, errdefs.InvalidArgumentf("--sign-passphrase-file: only one of --sign-by and --sign-by-sigstore-private-key can be used with it")
		}
		if s.gpgKey == "" && s.sigstoreKey == "" {
			return o, errdefs.InvalidArgumentf("--sign-passphrase-file needs --sign-by or --sign-by-sigstore-private-key")
		}
		p, err := icli.ReadPassphraseFile(s.passphraseFile)
		if err != nil {
			return o, errdefs.InvalidArgument(fmt.Errorf("--sign-passphrase-file: %w", err))
		}
		o.Passphrase, o.SigstorePassphrase = p, []byte(p)
		return o, nil
	}
	if s.sigstoreKey != "" {
		p, err := promptPassphrase(g, s.sigstoreKey)
		if err != nil {
			return o, err
		}
		o.SigstorePassphrase = []byte(p)
	}
	return o, nil
}

// promptPassphrase asks on the terminal, without echo; with no terminal
// there is no one to ask.
func promptPassphrase(g *cli.Globals, keyFile string) (string, error) {
	// A missing key is the first thing to say, not the missing passphrase.
	if _, err := os.Stat(keyFile); err != nil {
		return "", errdefs.InvalidArgumentf("private key %s: %v", keyFile, errors.Unwrap(err))
	}
	f, ok := g.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errdefs.InvalidArgumentf("private key %s: no passphrase (give --sign-passphrase-file, or run on a terminal to be asked)", keyFile)
	}
	fmt.Fprintf(g.Stderr, "Key Passphrase for %s: ", keyFile)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(g.Stderr)
	if err != nil {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	return string(b), nil
}

// newSignCommand is podman's `image sign`: simple signatures of images in
// a registry, written into the lookaside storage.
func newSignCommand(g *cli.Globals) *cobra.Command {
	var (
		opts           storage.SignOptions
		reg            registryFlags
		passphraseFile string
	)
	c := &cobra.Command{
		Use:   "sign [options] IMAGE [IMAGE...]",
		Short: "Sign images in a registry with a GPG key",
		Long: "Create a simple signature of each image as the registry has it (docker://REGISTRY/REPO:TAG)\n" +
			"with a GPG key, and store it in the signature storage that registries.d names for the\n" +
			"registry (lookaside-staging, else lookaside, else ~/.local/share/containers/sigstore or,\n" +
			"as root, /var/lib/containers/sigstore), or in --directory. Needs gpg.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg.apply(cmd, &opts.TLSVerify, &opts.AuthFile, &opts.Credentials, &opts.CertDir)
			if passphraseFile != "" {
				p, err := icli.ReadPassphraseFile(passphraseFile)
				if err != nil {
					return errdefs.InvalidArgument(fmt.Errorf("--sign-passphrase-file: %w", err))
				}
				opts.Passphrase = p
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.Images().Sign(cmd.Context(), args, opts)
		},
	}
	f := c.Flags()
	f.BoolVarP(&opts.All, "all", "a", false, "sign each image of a multi-architecture image")
	f.StringVarP(&opts.Directory, "directory", "d", "", "store the signatures under this directory instead of where registries.d says")
	f.StringVar(&opts.Key, "sign-by", "", "the GPG key to sign with (fingerprint, key ID or user ID)")
	f.StringVar(&passphraseFile, "sign-passphrase-file", "", "read the key's passphrase from the first line of this file (default: gpg-agent asks)")
	reg.register(c, false)
	return c
}
