// Package trust reads and edits a signature policy file (policy.json,
// containers-policy.json(5)) as `pod image trust` shows and sets it, with
// containers/image's signature package checking every file it writes.
//
// Contracts a caller may rely on:
//   - Set changes only the scope it is given; every other entry of the
//     file is written back as it was read, field for field.
//   - A file Set would make that containers/image refuses is not written
//     (errdefs.ErrInvalidArg); the file is replaced whole, never half
//     written.
//   - A missing file reads as the policy pod applies without one: accept
//     anything.
package trust

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containers/image/v5/signature"

	"github.com/pod-engine/pod/pkg/atomicfile"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// file is policy.json with the requirements kept as written.
type file struct {
	Default    []json.RawMessage                       `json:"default"`
	Transports map[string]map[string][]json.RawMessage `json:"transports,omitempty"`
}

// requirement is the part of a requirement that show reads.
type requirement struct {
	Type     string   `json:"type"`
	KeyPath  string   `json:"keyPath,omitempty"`
	KeyPaths []string `json:"keyPaths,omitempty"`
}

// defaultPolicy is what pod applies when no policy file exists.
const defaultPolicy = `{"default":[{"type":"insecureAcceptAnything"}]}`

// Raw returns the policy file at path as it is (the default policy when
// there is none).
func Raw(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return []byte(defaultPolicy), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w", path, err)
	}
	return b, nil
}

func read(path string) (*file, error) {
	b, err := Raw(path)
	if err != nil {
		return nil, err
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, errdefs.InvalidArgumentf("policy %s: %w", path, err)
	}
	return &f, nil
}

// Types that Set takes, podman's names.
const (
	TypeAccept         = "accept"
	TypeReject         = "reject"
	TypeSignedBy       = "signedBy"
	TypeSigstoreSigned = "sigstoreSigned"
)

// Set makes scope ("default", or a registry[/repository] of the docker
// transport) require typ, with keys (public key files) for the signed
// types, and writes the file at path (creating it and its directory).
func Set(path, scope, typ string, keys []string) error {
	reqs, err := requirements(typ, keys)
	if err != nil {
		return err
	}
	if scope == "" {
		return errdefs.InvalidArgumentf("trust scope: give default or a registry[/repository]")
	}
	if strings.Contains(scope, "://") {
		return errdefs.InvalidArgumentf("trust scope %q: give a registry[/repository] without transport", scope)
	}
	f, err := read(path)
	if err != nil {
		return err
	}
	if scope == "default" {
		f.Default = reqs
	} else {
		if f.Transports == nil {
			f.Transports = map[string]map[string][]json.RawMessage{}
		}
		if f.Transports["docker"] == nil {
			f.Transports["docker"] = map[string][]json.RawMessage{}
		}
		f.Transports["docker"][scope] = reqs
	}
	b, err := json.MarshalIndent(f, "", "    ")
	if err != nil {
		return err
	}
	if _, err := signature.NewPolicyFromBytes(b); err != nil {
		return errdefs.InvalidArgumentf("the policy would be invalid: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write policy %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write policy %s: %w", path, err)
	}
	return nil
}

// requirements builds what typ with keys means, through containers/image's
// constructors so that what is written is what it reads.
func requirements(typ string, keys []string) ([]json.RawMessage, error) {
	var reqs []signature.PolicyRequirement
	switch typ {
	case TypeAccept, "insecureAcceptAnything":
		reqs = append(reqs, signature.NewPRInsecureAcceptAnything())
	case TypeReject:
		reqs = append(reqs, signature.NewPRReject())
	case TypeSignedBy, TypeSigstoreSigned:
		if len(keys) == 0 {
			return nil, errdefs.InvalidArgumentf("type %s needs at least one --pubkeysfile", typ)
		}
		for _, k := range keys {
			abs, err := filepath.Abs(k)
			if err != nil {
				return nil, err
			}
			if _, err := os.Stat(abs); err != nil {
				return nil, errdefs.InvalidArgumentf("public key file %s: %w", k, err)
			}
			var r signature.PolicyRequirement
			if typ == TypeSignedBy {
				r, err = signature.NewPRSignedByKeyPath(signature.SBKeyTypeGPGKeys, abs, signature.NewPRMMatchRepoDigestOrExact())
			} else {
				r, err = signature.NewPRSigstoreSignedKeyPath(abs, signature.NewPRMMatchRepoDigestOrExact())
			}
			if err != nil {
				return nil, errdefs.InvalidArgumentf("public key file %s: %w", k, err)
			}
			reqs = append(reqs, r)
		}
	default:
		return nil, errdefs.InvalidArgumentf("trust type %q: use accept, reject, signedBy or sigstoreSigned", typ)
	}
	if typ != TypeSignedBy && typ != TypeSigstoreSigned && len(keys) > 0 {
		return nil, errdefs.InvalidArgumentf("--pubkeysfile applies to signedBy and sigstoreSigned only")
	}
	out := make([]json.RawMessage, len(reqs))
	for i, r := range reqs {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// Entry is one scope of the policy as `trust show` lists it, podman's JSON
// keys.
type Entry struct {
	Transport string `json:"transport"`
	Name      string `json:"name,omitempty"`
	RepoName  string `json:"repo_name,omitempty"`
	Type      string `json:"type"`
	// GPGID is the fingerprints of the keys a signed scope needs.
	GPGID string `json:"gpg_id,omitempty"`
}

// Show lists the policy at path: the default first, then each transport's
// scopes in name order ("repository" for the docker transport's).
// Restrict, when not empty, keeps the entries of that scope only.
func Show(path, restrict string) ([]Entry, error) {
	f, err := read(path)
	if err != nil {
		return nil, err
	}
	var out []Entry
	if restrict == "" || restrict == "default" {
		out = append(out, entry("all", "default", f.Default))
		out[0].Name = "* (default)"
	}
	transports := make([]string, 0, len(f.Transports))
	for t := range f.Transports {
		transports = append(transports, t)
	}
	sort.Strings(transports)
	for _, t := range transports {
		scopes := make([]string, 0, len(f.Transports[t]))
		for s := range f.Transports[t] {
			scopes = append(scopes, s)
		}
		sort.Strings(scopes)
		shown := t
		if t == "docker" {
			shown = "repository"
		}
		for _, s := range scopes {
			if restrict != "" && s != restrict {
				continue
			}
			out = append(out, entry(shown, s, f.Transports[t][s]))
		}
	}
	return out, nil
}

// entry describes one scope's requirements: the type of the first (the
// ones podman writes hold one kind), and the keys of all.
func entry(transport, scope string, reqs []json.RawMessage) Entry {
	e := Entry{Transport: transport, Name: scope, RepoName: scope}
	var ids []string
	for i, raw := range reqs {
		var r requirement
		if err := json.Unmarshal(raw, &r); err != nil {
			continue
		}
		if i == 0 {
			e.Type = typeName(r.Type)
		}
		for _, k := range append([]string{r.KeyPath}, r.KeyPaths...) {
			if k != "" && r.Type == "signedBy" {
				ids = append(ids, keyIDs(k)...)
			}
		}
	}
	e.GPGID = strings.Join(ids, ", ")
	return e
}

// typeName is podman's word for a requirement type.
func typeName(t string) string {
	switch t {
	case "insecureAcceptAnything":
		return TypeAccept
	case "signedBy":
		return "signed"
	}
	return t
}

// keyIDs reads the fingerprints of the OpenPGP keys in file (none when it
// cannot be read: show is for looking, not checking).
func keyIDs(file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	m, ids, err := signature.NewEphemeralGPGSigningMechanism(bytes.TrimSpace(b))
	if err != nil {
		return nil
	}
	_ = m.Close()
	return ids
}
