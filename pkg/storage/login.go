package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/pkg/docker/config"
	"github.com/containers/image/v5/pkg/sysregistriesv2"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// LoginOptions are the credentials to check and store.
type LoginOptions struct {
	RegistryOptions
	Username string
	Password string
}

// Login checks the credentials against the registry's /v2/ endpoint and,
// when the registry accepts them, stores them in the auth file. registry
// is "host[:port]" optionally followed by a repository namespace; empty
// means the first unqualified-search registry. It returns the auth file
// written.
func (s *Store) Login(ctx context.Context, registry string, opts LoginOptions) (string, error) {
	key, err := s.registryKey(registry)
	if err != nil {
		return "", err
	}
	if opts.Username == "" {
		return "", errdefs.InvalidArgumentf("login to %s: a user name is required", key)
	}
	if opts.Password == "" {
		return "", errdefs.InvalidArgumentf("login to %s: a password is required", key)
	}
	opts.Credentials = "" // Login checks exactly the credentials given
	sys, err := s.registryContext(opts.RegistryOptions)
	if err != nil {
		return "", err
	}
	host, _, _ := strings.Cut(key, "/")
	if err := docker.CheckAuth(ctx, sys, opts.Username, opts.Password, host); err != nil {
		var unauthorized docker.ErrUnauthorizedForCredentials
		if errors.As(err, &unauthorized) {
			return "", errdefs.InvalidArgumentf("logging into %q: invalid username/password", key)
		}
		return "", fmt.Errorf("authenticating creds for %q: %w", key, err)
	}
	path, err := config.SetCredentials(sys, key, opts.Username, opts.Password)
	if err != nil {
		return "", fmt.Errorf("store credentials for %s: %w", key, err)
	}
	return path, nil
}

// Logout removes the stored credentials for registry (empty: the first
// unqualified-search registry), or for every registry when all is set.
// It returns the key removed. The error wraps errdefs.ErrNotFound when
// there were no credentials for the registry.
func (s *Store) Logout(ctx context.Context, registry string, all bool, opts RegistryOptions) (string, error) {
	sys, err := s.registryContext(opts)
	if err != nil {
		return "", err
	}
	if all {
		if err := config.RemoveAllAuthentication(sys); err != nil {
			return "", fmt.Errorf("remove all credentials: %w", err)
		}
		return "", nil
	}
	key, err := s.registryKey(registry)
	if err != nil {
		return "", err
	}
	if err := config.RemoveAuthentication(sys, key); err != nil {
		if errors.Is(err, config.ErrNotLoggedIn) {
			return "", errdefs.NotFoundf("not logged into %s", key)
		}
		return "", fmt.Errorf("remove credentials for %s: %w", key, err)
	}
	return key, nil
}

// LoggedInUser is the user name whose credentials are stored for registry
// (empty: the first unqualified-search registry). The error wraps
// errdefs.ErrNotFound when there are none.
func (s *Store) LoggedInUser(registry string, opts RegistryOptions) (string, error) {
	sys, err := s.registryContext(opts)
	if err != nil {
		return "", err
	}
	key, err := s.registryKey(registry)
	if err != nil {
		return "", err
	}
	auth, err := config.GetCredentials(sys, key)
	if err != nil {
		return "", fmt.Errorf("read credentials for %s: %w", key, err)
	}
	if auth.Username == "" {
		return "", errdefs.NotFoundf("not logged into %s", key)
	}
	return auth.Username, nil
}

// registryKey normalizes what the user typed as a registry into the key of
// auth.json: no scheme, no trailing slash.
func (s *Store) registryKey(registry string) (string, error) {
	if registry == "" {
		regs, err := sysregistriesv2.UnqualifiedSearchRegistries(s.sys)
		if err != nil {
			return "", fmt.Errorf("registries configuration: %w", err)
		}
		if len(regs) == 0 {
			return "", errdefs.InvalidArgumentf("no registry given and no unqualified-search registries configured")
		}
		return regs[0], nil
	}
	key := registry
	for _, p := range []string{"docker://", "https://", "http://"} {
		key = strings.TrimPrefix(key, p)
	}
	key = strings.TrimSuffix(key, "/")
	if key == "" || strings.ContainsAny(key, " \t@") || strings.HasPrefix(key, "/") {
		return "", errdefs.InvalidArgumentf("registry %q: invalid registry name", registry)
	}
	return key, nil
}
