package sshagent

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// A key file is served by an agent that lists and signs with it; the
// socket is gone after Close.
func TestServeKeyFile(t *testing.T) {
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, "test key")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := Serve(dir, map[string][]string{"default": {keyFile}})
	if err != nil {
		t.Fatal(err)
	}
	sock := a.Sockets["default"]
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	cl := agent.NewClient(c)
	keys, err := cl.List()
	if err != nil || len(keys) != 1 || keys[0].Comment != keyFile {
		t.Fatalf("List: %v %v", keys, err)
	}
	pub, _ := ssh.NewPublicKey(priv.Public())
	sig, err := cl.Sign(pub, []byte("data"))
	if err != nil || pub.Verify([]byte("data"), sig) != nil {
		t.Fatalf("Sign: %v", err)
	}
	c.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left after Close: %v", err)
	}

	// A socket is passed on as it is; a file that is no key fails.
	if err := os.WriteFile(filepath.Join(dir, "junk"), []byte("no key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Serve(dir, map[string][]string{"x": {filepath.Join(dir, "junk")}}); err == nil {
		t.Error("a file that is no key was accepted")
	}
	l, err := net.Listen("unix", filepath.Join(dir, "user.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b, err := Serve(dir, map[string][]string{"default": {filepath.Join(dir, "user.sock")}})
	if err != nil || b.Sockets["default"] != filepath.Join(dir, "user.sock") {
		t.Fatalf("socket source: %v %v", b, err)
	}
	b.Close()
	if _, err := os.Stat(filepath.Join(dir, "user.sock")); err != nil {
		t.Errorf("the user's socket was removed: %v", err)
	}
}
