package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	"github.com/containers/ocicrypt/helpers"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// encryptedImage copies the suite's busybox to ref in the loopback
// registry with every layer encrypted for a new RSA key (ocicrypt's JWE, as
// skopeo copy --encryption-key does) and returns the private key's file.
func encryptedImage(t *testing.T, ref string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	priv := filepath.Join(dir, "key.pem")
	pub := filepath.Join(dir, "key.pub")
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	cc, err := helpers.CreateCryptoConfig([]string{"jwe:" + pub}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := docker.ParseReference("//" + suite.images.Busybox)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := docker.ParseReference("//" + ref)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	sys := &types.SystemContext{DockerInsecureSkipTLSVerify: types.OptionalBoolTrue}
	if _, err := copy.Image(context.Background(), pc, dst, src, &copy.Options{
		SourceCtx: sys, DestinationCtx: sys, ForceManifestMIMEType: v1.MediaTypeImageManifest,
		OciEncryptConfig: cc.EncryptConfig, OciEncryptLayers: &[]int{},
	}); err != nil {
		t.Fatalf("encrypt %s into %s: %v", suite.images.Busybox, ref, err)
	}
	return priv
}

// TestBuildDecryptionKey: a base image whose layers are encrypted cannot
// be pulled without its key; build --decryption-key (and pull's) decrypt
// it, and the RUN step runs in it.
func TestBuildDecryptionKey(t *testing.T) {
	ref := suite.registry.Addr + "/encrypted:latest"
	keyFile := encryptedImage(t, ref)
	forEachUser(t, func(t *testing.T, e *Env) {
		b, err := os.ReadFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		key := e.WriteFile("key.pem", b)
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": "FROM " + ref + "\nRUN echo decrypted > /ok\n"})
		e.Pod("build", "--tls-verify=false", ctxDir).Fails(t, 125, "its layers are encrypted: give the private key that decrypts them with --decryption-key")
		e.MustPod("build", "-q", "--tls-verify=false", "--decryption-key", key, "-t", "fromenc", ctxDir)
		if got := out(e.MustPod("run", "--rm", "fromenc", "cat", "/ok")); got != "decrypted" {
			t.Errorf("built on the decrypted base: %q", got)
		}
		e.Pod("pull", "--tls-verify=false", "--decryption-key", e.Path("nonexistent.pem"), ref).Fails(t, 125, "--decryption-key")
		e.MustPod("pull", "-q", "--tls-verify=false", "--decryption-key", key, ref)
	})
}
