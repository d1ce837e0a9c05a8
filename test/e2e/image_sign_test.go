package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/containers/image/v5/signature/sigstore"
)

// TestPushSignSigstore signs a push with a cosign-format key, and a
// manifest push with the same key named by a parameter file, into the
// registry's sigstore attachments; a policy requiring that key accepts
// them and refuses an unsigned image. (Each use of the key costs a scrypt:
// seconds on a loaded machine; hence no more cases.)
func TestPushSignSigstore(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		key, pub := sigstoreKeyPair(t, e, "k1", "s3cret")
		pass := e.WriteFile("pass", []byte("s3cret\n"))
		addr := suite.registry.Addr
		e.writeUserFile(".config/containers/registries.d/sign.yaml", "docker:\n  "+addr+":\n    use-sigstore-attachments: true\n")
		signed, unsigned, list := addr+"/sig-"+e.Name+":1", addr+"/sigun-"+e.Name+":1", addr+"/siglist-"+e.Name+":1"
		req := map[string]any{"type": "sigstoreSigned", "keyPath": pub, "signedIdentity": map[string]string{"type": "matchRepository"}}
		e.writePolicy(req, signed, unsigned, list)

		e.MustPod("push", "-q", "--sign-by-sigstore-private-key", key, "--sign-passphrase-file", pass, img, signed)
		e.MustPod("push", "-q", img, unsigned)

		params := e.WriteFile("params.yaml", []byte("privateKeyFile: "+key+"\nprivateKeyPassphraseFile: "+pass+"\n"))
		e.MustPod("manifest", "create", "localhost/siglist", img)
		e.MustPod("manifest", "push", "-q", "--sign-by-sigstore", params, "localhost/siglist", list)

		e.MustPod("pull", "-q", signed)
		e.MustPod("pull", "-q", list)
		e.Pod("pull", "-q", unsigned).Fails(t, 125, "signature")

		e.Pod("push", "-q", "--sign-by-sigstore-private-key", key, "--sign-passphrase-file", e.WriteFile("bad", []byte("nope")), img, signed).Fails(t, 125, "wrong passphrase")
		// No passphrase file and no terminal to ask on.
		e.Pod("push", "-q", "--sign-by-sigstore-private-key", key, img, signed).Fails(t, 125, "no passphrase")
	})
}

// TestPushSignGPG signs with a GPG key through gpg into a lookaside
// directory; `image sign` signs an image already pushed; a signedBy policy
// tells them from an unsigned one.
func TestPushSignGPG(t *testing.T) {
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg is not installed (make deps installs gnupg)")
	}
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		fpr, pub := gpgKey(t, e, "s3cret")
		pass := e.WriteFile("pass", []byte("s3cret\n"))
		addr := suite.registry.Addr
		lookaside := e.Mkdir("lookaside")
		e.writeUserFile(".config/containers/registries.d/sign.yaml", "docker:\n  "+addr+":\n    lookaside: file://"+lookaside+"\n")
		signed, later := addr+"/gpg-"+e.Name+":1", addr+"/gpglater-"+e.Name+":1"
		e.writePolicy(map[string]any{"type": "signedBy", "keyType": "GPGKeys", "keyPath": pub}, signed, later)

		e.MustPod("push", "-q", "--sign-by", fpr, "--sign-passphrase-file", pass, img, signed)
		// Before any pull: a pull stores the signatures it found with the
		// local image, and a push keeps them (and so cannot change it).
		e.MustPod("push", "-q", img, later)
		if sigs, _ := filepath.Glob(filepath.Join(lookaside, "gpg-"+e.Name+"@sha256=*", "signature-1")); len(sigs) != 1 {
			t.Errorf("no signature in the lookaside directory: %v", sigs)
		}
		e.MustPod("pull", "-q", signed)

		e.Pod("pull", "-q", later).Fails(t, 125, "signature")
		e.MustPod("image", "sign", "--sign-by", fpr, "--sign-passphrase-file", pass, "docker://"+later)
		e.MustPod("pull", "-q", later)

		dir := e.Mkdir("sigdir")
		e.MustPod("image", "sign", "--sign-by", fpr, "--sign-passphrase-file", pass, "-d", dir, "docker://"+later)
		if sigs, _ := filepath.Glob(filepath.Join(dir, "gpglater-"+e.Name+"@sha256=*", "signature-1")); len(sigs) != 1 {
			t.Errorf("image sign -d wrote no signature: %v", sigs)
		}
		multi := addr + "/gpglist-" + e.Name + ":1"
		e.MustPod("manifest", "create", "localhost/gpglist", img)
		e.MustPod("manifest", "push", "-q", "--remove-signatures", "localhost/gpglist", multi)
		e.MustPod("image", "sign", "--all", "--sign-by", fpr, "--sign-passphrase-file", pass, "-d", dir, multi)
		if sigs, _ := filepath.Glob(filepath.Join(dir, "gpglist-"+e.Name+"@sha256=*", "signature-1")); len(sigs) != 1 {
			t.Errorf("image sign --all of a one-image list: %v", sigs)
		}
		e.Pod("image", "sign", "--all", "--sign-by", fpr, "-d", dir, later).Fails(t, 125, "not a multi-architecture image")

		e.Pod("push", "-q", "--sign-by", fpr, "--sign-passphrase-file", e.WriteFile("bad", []byte("nope")), img, signed).Fails(t, 125, "Bad passphrase")
		e.Pod("push", "-q", "--sign-by", "0123456789ABCDEF0123456789ABCDEF01234567", img, signed).Fails(t, 125, "no secret key")
		e.Pod("image", "sign", "docker://"+later).Fails(t, 125, "--sign-by")
	})
}

// sigstoreKeyPair writes a cosign-format key pair made by sigstore's own
// code and returns the private and public key files.
func sigstoreKeyPair(t *testing.T, e *Env, name, passphrase string) (string, string) {
	t.Helper()
	kp, err := sigstore.GenerateKeyPair([]byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	return e.WriteFile(name+".key", kp.PrivateKey), e.WriteFile(name+".pub", kp.PublicKey)
}

// gpgKey makes the Env's user a GNUPGHOME (which pod inherits) with an
// ECDSA signing key protected by passphrase, and returns its fingerprint
// and the exported public key file.
func gpgKey(t *testing.T, e *Env, passphrase string) (string, string) {
	t.Helper()
	home := e.Mkdir("gnupg")
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	// A fixed S2K count spares the agent its calibration (seconds on a
	// loaded machine); no cache, so a wrong passphrase is noticed.
	e.WriteFile("gnupg/gpg-agent.conf", []byte("s2k-count 65536\ndefault-cache-ttl 0\nmax-cache-ttl 0\n"))
	e.ExtraEnv = append(e.ExtraEnv, "GNUPGHOME="+home)
	t.Cleanup(func() { _, _ = e.runAs("gpgconf", "--kill", "gpg-agent") })
	if out, err := e.runAs("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase,
		"--quick-gen-key", "pod-test@example.com", "nistp256", "sign", "never"); err != nil {
		t.Fatalf("gpg --quick-gen-key: %v\n%s", err, out)
	}
	out, err := e.runAs("gpg", "--batch", "--with-colons", "--list-secret-keys")
	if err != nil {
		t.Fatalf("gpg --list-secret-keys: %v\n%s", err, out)
	}
	var fpr string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" {
			fpr = f[9]
			break
		}
	}
	pub := e.Path("pubkey.gpg")
	if out, err := e.runAs("gpg", "--batch", "--yes", "--output", pub, "--export", fpr); err != nil || fpr == "" {
		t.Fatalf("gpg --export %q: %v\n%s", fpr, err, out)
	}
	return fpr, pub
}

// runAs runs a program as the Env's user with its environment.
func (e *Env) runAs(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = e.environ()
	cmd.Dir = e.Dir
	if e.rootless && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid), Groups: []uint32{}}}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// writeUserFile writes a file under the Env's home, directories and file
// owned by its user.
func (e *Env) writeUserFile(rel, data string) {
	e.t.Helper()
	p := filepath.Join(e.Home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		e.t.Fatal(err)
	}
	if e.rootless && os.Geteuid() == 0 {
		for d := p; d != e.Home; d = filepath.Dir(d) {
			_ = os.Chown(d, e.uid, e.gid)
		}
	}
}

// writePolicy writes the user's policy.json: anything is accepted but the
// repositories of refs (tagged references), which need req.
func (e *Env) writePolicy(req map[string]any, refs ...string) {
	e.t.Helper()
	scopes := map[string]any{}
	for _, r := range refs {
		scopes[r[:strings.LastIndex(r, ":")]] = []any{req} // the repository, without the tag
	}
	b, err := json.Marshal(map[string]any{
		"default":    []any{map[string]string{"type": "insecureAcceptAnything"}},
		"transports": map[string]any{"docker": scopes},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.writeUserFile(".config/containers/policy.json", string(b))
}
