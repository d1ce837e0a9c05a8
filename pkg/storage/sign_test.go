package storage

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/signature"
	istorage "github.com/containers/image/v5/storage"
	cstorage "github.com/containers/storage"
	digest "github.com/opencontainers/go-digest"
)

// TestSignLocalImage signs an image in a real (vfs) store twice; the
// storage transport, which a push reads, returns both signatures, and
// containers/image's verifier accepts them.
func TestSignLocalImage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a containers/storage store")
	}
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg is not installed")
	}
	gnupg := t.TempDir()
	t.Setenv("GNUPGHOME", gnupg)
	t.Cleanup(func() { _ = exec.Command("gpgconf", "--kill", "gpg-agent").Run() })
	gpg := func(args ...string) string {
		out, err := exec.Command("gpg", append([]string{"--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...).Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return string(out)
	}
	gpg("--quick-gen-key", "local@example.com", "nistp256", "sign", "never")
	var fpr string
	for _, l := range strings.Split(gpg("--with-colons", "--list-secret-keys"), "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" && fpr == "" {
			fpr = f[9]
		}
	}
	pub := gpg("--export", fpr)

	dir := t.TempDir()
	s, err := Open(Options{GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), Driver: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = s.Shutdown(true) }()
	m := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`)
	md := digest.FromBytes(m)
	img, err := s.CreateImage("", []string{"localhost/signed:1"}, "", `{"kept":true}`, &cstorage.ImageOptions{
		Digest:  md,
		BigData: []cstorage.ImageBigDataOption{{Key: cstorage.ImageDigestBigDataKey, Data: m, Digest: md}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := reference.ParseNormalizedNamed("localhost/signed:1")
	ctx := context.Background()
	for range 2 {
		if err := s.SignLocalImage(ctx, img.ID, ref, fpr, ""); err != nil {
			t.Fatal(err)
		}
	}
	if meta, _ := s.Metadata(img.ID); !strings.Contains(meta, `"kept":true`) {
		t.Errorf("metadata lost: %s", meta)
	}
	sref, err := istorage.Transport.NewStoreReference(s.Store, nil, img.ID)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sref.NewImageSource(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sigs, err := src.GetSignatures(ctx, nil)
	if err != nil || len(sigs) != 2 {
		t.Fatalf("stored signatures: %d, %v", len(sigs), err)
	}
	mech, keys, err := signature.NewEphemeralGPGSigningMechanism([]byte(pub))
	if err != nil {
		t.Fatal(err)
	}
	defer mech.Close()
	for _, sig := range sigs {
		if _, err := signature.VerifyDockerManifestSignature(sig, m, ref.String(), mech, keys[0]); err != nil {
			t.Errorf("stored signature rejected: %v", err)
		}
	}
}
