package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/containers/image/v5/signature"
	istorage "github.com/containers/image/v5/storage"
)

// systemPolicyPath is where distributions install the signature policy.
const systemPolicyPath = "/etc/containers/policy.json"

// policyPaths lists the signature policy files in the order they are
// tried: the user's ($XDG_CONFIG_HOME, else ~/.config), then the system's.
func policyPaths() []string {
	var paths []string
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		paths = append(paths, filepath.Join(x, "containers", "policy.json"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".config", "containers", "policy.json")
		if len(paths) == 0 || paths[0] != p {
			paths = append(paths, p)
		}
	}
	return append(paths, systemPolicyPath)
}

// PolicyFile is the policy.json that governs pulls and that `image trust
// set` edits: the first of policyPaths that exists; when none does, the
// user's own file for a user without root (who cannot write the system's)
// and the system's for root.
func PolicyFile() string {
	paths := policyPaths()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Geteuid() != 0 && len(paths) > 1 {
		return paths[0]
	}
	return systemPolicyPath
}

// PolicyContext returns the signature policy that governs which images may
// be pulled: the first policy.json found in policyPaths. When no file
// exists, every image is accepted (insecureAcceptAnything), which is what
// Debian's containers-common ships in /etc/containers/policy.json anyway.
// The caller must Destroy the context.
func PolicyContext() (*signature.PolicyContext, error) {
	policy, err := loadPolicy(policyPaths())
	if err != nil {
		return nil, err
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return nil, fmt.Errorf("signature policy: %w", err)
	}
	return pc, nil
}

// pushPolicyContext is PolicyContext for a push: the policy governs what
// may be read from registries and files, but the images in local storage
// are the user's own, so reading them is always allowed, as podman does.
// The caller must Destroy the context.
func pushPolicyContext() (*signature.PolicyContext, error) {
	policy, err := loadPolicy(policyPaths())
	if err != nil {
		return nil, err
	}
	if policy.Transports == nil {
		policy.Transports = map[string]signature.PolicyTransportScopes{}
	}
	policy.Transports[istorage.Transport.Name()] = signature.PolicyTransportScopes{
		"": signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return nil, fmt.Errorf("signature policy: %w", err)
	}
	return pc, nil
}

func loadPolicy(paths []string) (*signature.Policy, error) {
	for _, p := range paths {
		policy, err := signature.NewPolicyFromFile(p)
		if err == nil {
			return policy, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return nil, fmt.Errorf("read signature policy %s: %w", p, err)
	}
	return &signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}}, nil
}
