package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// CheckLogin checks the credentials against the registry's /v2/ endpoint
// as Login does, and stores nothing: the Docker API's /auth answers
// whether a login would succeed and leaves keeping the credentials to
// the client. Credentials the registry refuses give an error wrapping
// errdefs.ErrInvalidArg and docker.ErrUnauthorizedForCredentials.
func (s *Store) CheckLogin(ctx context.Context, registry string, opts LoginOptions) error {
	key, err := s.registryKey(registry)
	if err != nil {
		return err
	}
	opts.Credentials = "" // exactly the credentials given
	sys, err := s.registryContext(opts.RegistryOptions)
	if err != nil {
		return err
	}
	host, _, _ := strings.Cut(key, "/")
	if err := docker.CheckAuth(ctx, sys, opts.Username, opts.Password, host); err != nil {
		var unauthorized docker.ErrUnauthorizedForCredentials
		if errors.As(err, &unauthorized) {
			return errdefs.InvalidArgument(fmt.Errorf("logging into %q: invalid username/password: %w", key, err))
		}
		return fmt.Errorf("authenticating creds for %q: %w", key, err)
	}
	return nil
}
