// Package signing creates the image signatures that pod's build of
// containers/image cannot create by itself.
//
// pod links containers/image's pure-Go OpenPGP mechanism (the
// containers_image_openpgp build tag): it verifies "simple signing"
// signatures but cannot make them. podman makes them through gpgme, which
// drives the user's gpg binary; GPG here drives that same binary directly,
// so the keys, GNUPGHOME, gpg-agent and its pinentry are the user's own.
// Sigstore signatures need no outside program: Options.SigstoreSigners
// returns containers/image's own signers for copy.Options.Signers.
//
// Contracts a caller may rely on:
//   - GPG implements containers/image's signature.SigningMechanism, with
//     passphrases: signature.SignDockerManifestWithOptions accepts it.
//   - What GPG.Sign returns is an OpenPGP signed message (gpg --sign), the
//     format containers/image's OpenPGP mechanism verifies on pull.
//   - Errors name the key and say what gpg said, in one line.
package signing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/signature"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// GPG is a signature.SigningMechanism that runs gpg. GNUPGHOME and the
// rest of the environment are the process's own.
type GPG struct {
	bin string
}

// NewGPG finds gpg on PATH; without it signing is unavailable.
func NewGPG() (*GPG, error) {
	bin, err := exec.LookPath("gpg")
	if err != nil {
		return nil, errdefs.Unavailablef("signing with a GPG key needs gpg (GnuPG), which is not installed")
	}
	return &GPG{bin: bin}, nil
}

// Close implements signature.SigningMechanism; GPG holds nothing open.
func (g *GPG) Close() error { return nil }

// SupportsSigning implements signature.SigningMechanism.
func (g *GPG) SupportsSigning() error { return nil }

// Sign makes a signed message of input with key, gpg-agent asking for the
// passphrase if the key has one (pinentry, as with gpgme).
func (g *GPG) Sign(input []byte, key string) ([]byte, error) {
	return g.SignWithPassphrase(input, key, "")
}

// SignWithPassphrase is Sign with the key's passphrase given, handed to
// gpg through a pipe (loopback pinentry), never on its command line.
func (g *GPG) SignWithPassphrase(input []byte, key, passphrase string) ([]byte, error) {
	args := []string{"--batch", "--no-tty", "--sign", "--local-user", key}
	var extra []*os.File
	if passphrase != "" {
		if strings.ContainsAny(passphrase, "\n\r") {
			return nil, errdefs.InvalidArgumentf("passphrase: must not contain a line break")
		}
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		// One line fits any pipe buffer: write it all before gpg starts.
		_, err = w.WriteString(passphrase + "\n")
		w.Close()
		if err != nil {
			return nil, err
		}
		extra = []*os.File{r}
		args = append(args, "--pinentry-mode", "loopback", "--passphrase-fd", "3")
	}
	out, err := g.run(context.Background(), input, extra, args...)
	if err != nil {
		return nil, fmt.Errorf("sign with GPG key %s: %w", key, err)
	}
	return out, nil
}

// Verify checks a signed message against the user's keyring and returns
// its contents and the fingerprint of the key that made it.
func (g *GPG) Verify(sig []byte) ([]byte, string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	status := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		status <- b.Bytes()
	}()
	out, err := g.run(context.Background(), sig, []*os.File{w}, "--batch", "--no-tty", "--status-fd", "3", "--decrypt")
	w.Close()
	lines := <-status
	if err != nil {
		return nil, "", fmt.Errorf("verify signature: %w", err)
	}
	for _, l := range strings.Split(string(lines), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[0] == "[GNUPG:]" && f[1] == "VALIDSIG" {
			return out, strings.ToUpper(f[2]), nil
		}
	}
	return nil, "", errors.New("verify signature: gpg found no valid signature")
}

// UntrustedSignatureContents implements signature.SigningMechanism by
// parsing without verifying, which needs no keys: containers/image's own
// parser does it.
func (g *GPG) UntrustedSignatureContents(sig []byte) ([]byte, string, error) {
	m, _, err := signature.NewEphemeralGPGSigningMechanism(nil)
	if err != nil {
		return nil, "", err
	}
	defer m.Close()
	return m.UntrustedSignatureContents(sig)
}

// CheckKey fails unless the keyring has a secret key for key, so that a
// push with an unknown key fails before it uploads anything.
func (g *GPG) CheckKey(ctx context.Context, key string) error {
	if _, err := g.run(ctx, nil, nil, "--batch", "--no-tty", "--with-colons", "--list-secret-keys", "--", key); err != nil {
		return errdefs.NotFoundf("GPG key %s: no secret key in the keyring (gpg --list-secret-keys)", key)
	}
	return nil
}

// SignManifest returns a simple-signing signature of manifest as ref, made
// by key: what podman's --sign-by writes. passphrase may be empty (then
// gpg-agent asks, or the key has none).
func (g *GPG) SignManifest(manifest []byte, ref reference.Named, key, passphrase string) ([]byte, error) {
	return signature.SignDockerManifestWithOptions(manifest, ref.String(), g, key, &signature.SignOptions{Passphrase: passphrase})
}

// run runs gpg with stdin and extra files from fd 3 on; a failure carries
// gpg's own last complaint.
func (g *GPG) run(ctx context.Context, stdin []byte, extra []*os.File, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.bin, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	cmd.ExtraFiles = extra
	if err := cmd.Run(); err != nil {
		if msg := lastComplaint(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("gpg: %w", err)
	}
	return out.Bytes(), nil
}

// lastComplaint is the last line gpg wrote on stderr, where it puts its
// conclusion ("gpg: signing failed: Bad passphrase").
func lastComplaint(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "gpg: ") {
			return l
		}
	}
	return ""
}
