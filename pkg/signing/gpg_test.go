package signing

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/signature"
)

// newKey makes a throwaway GNUPGHOME with an ECDSA P-256 signing key (a
// key type containers/image's pure-Go verifier reads; ed25519 it cannot) and returns its fingerprint.
func newKey(t *testing.T, passphrase string) (string, []byte) {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg is not installed")
	}
	home, err := os.MkdirTemp("", "sign-gpg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GNUPGHOME", home)
	// A fixed, small S2K count spares the agent its calibration (seconds
	// on a loaded machine); no cache, so a wrong passphrase is noticed.
	if err := os.WriteFile(home+"/gpg-agent.conf", []byte("s2k-count 65536\ndefault-cache-ttl 0\nmax-cache-ttl 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--kill", "gpg-agent").Run()
		os.RemoveAll(home)
	})
	gpg := func(args ...string) []byte {
		out, err := exec.Command("gpg", append([]string{"--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase}, args...)...).Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return out
	}
	gpg("--quick-gen-key", "signer@example.com", "nistp256", "sign", "never")
	var fpr string
	for _, l := range strings.Split(string(gpg("--with-colons", "--list-secret-keys")), "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" {
			fpr = f[9]
			break
		}
	}
	return fpr, gpg("--export", fpr)
}

// TestSignVerifiedByContainersImage: what GPG signs, the OpenPGP mechanism
// pod pulls with accepts, naming the key, the manifest and the reference.
func TestSignVerifiedByContainersImage(t *testing.T) {
	fpr, pub := newKey(t, "s3cret")
	g, err := NewGPG()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.CheckKey(context.Background(), fpr); err != nil {
		t.Fatal(err)
	}
	ref, _ := reference.ParseNormalizedNamed("localhost:5000/app:1")
	m := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`)
	sig, err := g.SignManifest(m, ref, fpr, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	mech, keys, err := signature.NewEphemeralGPGSigningMechanism(pub)
	if err != nil {
		t.Fatal(err)
	}
	defer mech.Close()
	got, err := signature.VerifyDockerManifestSignature(sig, m, ref.String(), mech, keys[0])
	if err != nil {
		t.Fatalf("containers/image rejects the signature: %v", err)
	}
	if got.DockerReference != ref.String() {
		t.Errorf("signed reference %q", got.DockerReference)
	}
	if _, id, err := g.Verify(sig); err != nil || id != fpr {
		t.Errorf("gpg verify: %q, %v; want %s", id, err, fpr)
	}

	if _, err := g.SignManifest(m, ref, fpr, "wrong"); err == nil || !strings.Contains(err.Error(), "Bad passphrase") {
		t.Errorf("wrong passphrase: %v", err)
	}
	if err := g.CheckKey(context.Background(), "0000000000000000000000000000000000000000"); err == nil {
		t.Error("an unknown key was accepted")
	}
}
