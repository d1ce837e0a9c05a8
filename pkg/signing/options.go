package signing

import (
	"errors"
	"fmt"
	"io"
	"strings"

	clisigstore "github.com/containers/image/v5/pkg/cli/sigstore"
	"github.com/containers/image/v5/signature/signer"
	"github.com/containers/image/v5/signature/sigstore"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Options say which signatures a push adds: podman's --sign-by,
// --sign-by-sigstore-private-key and --sign-by-sigstore.
type Options struct {
	// GPGKey is the fingerprint (or other gpg key name) that signs with
	// simple signing; Passphrase unlocks it, empty letting gpg-agent ask.
	GPGKey     string
	Passphrase string
	// SigstorePrivateKey is a cosign-format private key file, unlocked
	// by SigstorePassphrase.
	SigstorePrivateKey string
	SigstorePassphrase []byte
	// SigstoreParams is a sigstore signing parameter file
	// (containers-sigstore-signing-params.yaml(5)).
	SigstoreParams string
	// PassphrasePrompt asks for the passphrase of a private key a
	// parameter file names without a passphrase file; nil fails instead.
	PassphrasePrompt func(keyFile string) (string, error)
	// Stdin and Stdout are where a parameter file's interactive OIDC
	// login talks to the user.
	Stdin  io.Reader
	Stdout io.Writer
}

// Any says whether a signature was asked for.
func (o Options) Any() bool {
	return o.GPGKey != "" || o.SigstorePrivateKey != "" || o.SigstoreParams != ""
}

// SigstoreSigners returns containers/image's signers for the sigstore
// options, for copy.Options.Signers. A wrong passphrase or a bad key file
// fails here, before anything is copied. The caller closes each signer.
func (o Options) SigstoreSigners() ([]*signer.Signer, error) {
	var out []*signer.Signer
	closeAll := func() {
		for _, s := range out {
			_ = s.Close()
		}
	}
	if o.SigstorePrivateKey != "" {
		if o.SigstorePassphrase == nil {
			return nil, errdefs.InvalidArgumentf("sigstore private key %s: no passphrase given (--sign-passphrase-file)", o.SigstorePrivateKey)
		}
		s, err := sigstore.NewSigner(sigstore.WithPrivateKeyFile(o.SigstorePrivateKey, o.SigstorePassphrase))
		if err != nil {
			if strings.Contains(err.Error(), "decryption failed") {
				return nil, errdefs.InvalidArgumentf("sigstore private key %s: wrong passphrase (%v)", o.SigstorePrivateKey, err)
			}
			return nil, errdefs.InvalidArgument(fmt.Errorf("sigstore private key %s: %w", o.SigstorePrivateKey, err))
		}
		out = append(out, s)
	}
	if o.SigstoreParams != "" {
		prompt := o.PassphrasePrompt
		if prompt == nil {
			prompt = func(keyFile string) (string, error) {
				return "", errors.New("no passphrase for " + keyFile + " (name a privateKeyPassphraseFile)")
			}
		}
		s, err := clisigstore.NewSignerFromParameterFile(o.SigstoreParams, &clisigstore.Options{PrivateKeyPassphrasePrompt: prompt, Stdin: o.Stdin, Stdout: o.Stdout})
		if err != nil {
			closeAll()
			return nil, errdefs.InvalidArgument(fmt.Errorf("sigstore parameters %s: %w", o.SigstoreParams, err))
		}
		out = append(out, s)
	}
	return out, nil
}
