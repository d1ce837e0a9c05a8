package trust

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/signature"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestSetKeepsOtherScopes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "containers", "policy.json")
	// A missing file reads as accept-anything.
	if es, err := Show(path, ""); err != nil || len(es) != 1 || es[0].Type != "accept" {
		t.Fatalf("show of no file: %+v, %v", es, err)
	}
	if err := Set(path, "default", TypeReject, nil); err != nil {
		t.Fatal(err)
	}
	if err := Set(path, "registry.example:5000/team", TypeAccept, nil); err != nil {
		t.Fatal(err)
	}
	if err := Set(path, "other.example", TypeReject, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := signature.NewPolicyFromBytes(b)
	if err != nil {
		t.Fatalf("containers/image refuses what Set wrote: %v\n%s", err, b)
	}
	if len(p.Transports["docker"]) != 2 {
		t.Errorf("docker scopes: %v", p.Transports["docker"])
	}
	es, err := Show(path, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Transport+" "+e.RepoName+" "+e.Type)
	}
	want := "all default reject|repository other.example reject|repository registry.example:5000/team accept"
	if strings.Join(got, "|") != want {
		t.Errorf("show = %q, want %q", strings.Join(got, "|"), want)
	}
	if es, _ := Show(path, "other.example"); len(es) != 1 || es[0].Name != "other.example" {
		t.Errorf("show of one scope: %+v", es)
	}
}

func TestSetKeepsUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.json")
	orig := `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]},` +
		`"docker":{"keep.example":[{"type":"signedBy","keyType":"GPGKeys","keyData":"AAAA","signedIdentity":{"type":"matchRepository"}}]}}}`
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Set(path, "new.example", TypeReject, nil); err != nil {
		t.Fatal(err)
	}
	var f file
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if got := string(f.Transports["docker"]["keep.example"][0]); !strings.Contains(got, `"matchRepository"`) || !strings.Contains(got, `"AAAA"`) {
		t.Errorf("other entry changed: %s", got)
	}
	if _, ok := f.Transports["docker-daemon"][""]; !ok {
		t.Errorf("docker-daemon transport lost: %s", b)
	}
}

func TestSetRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.json")
	for _, tc := range []struct {
		scope, typ string
		keys       []string
	}{
		{"default", "trusted", nil},
		{"default", TypeSignedBy, nil},
		{"docker.io", TypeSignedBy, []string{filepath.Join(dir, "missing.gpg")}},
		{"docker.io", TypeAccept, []string{"key"}},
		{"docker://docker.io", TypeAccept, nil},
	} {
		if err := Set(path, tc.scope, tc.typ, tc.keys); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("Set(%q, %q, %v) = %v, want an invalid argument", tc.scope, tc.typ, tc.keys, err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a refused Set wrote the file")
	}
}

func TestSetSignedBy(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.gpg")
	if err := os.WriteFile(key, []byte("not a key, but a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "policy.json")
	if err := Set(path, "quay.io", TypeSignedBy, []string{key}); err != nil {
		t.Fatal(err)
	}
	es, err := Show(path, "quay.io")
	if err != nil || len(es) != 1 || es[0].Type != "signed" {
		t.Fatalf("show: %+v %v", es, err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), key) || !strings.Contains(string(b), `"GPGKeys"`) {
		t.Errorf("policy: %s", b)
	}
}
