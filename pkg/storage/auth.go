package storage

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/docker/config"
	"github.com/containers/image/v5/types"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// RegistryOptions are how one command reaches registries.
type RegistryOptions struct {
	// TLSVerify overrides registries.conf's "insecure" for the registry:
	// false allows plain HTTP and unverified certificates.
	TLSVerify types.OptionalBool
	// AuthFile replaces the default auth.json locations.
	AuthFile string
	// Credentials, "user:pass" or "user", replace any stored credentials.
	Credentials string
	// CertDir holds the registry's CA certificates and client keys.
	CertDir string
}

// registryContext derives the containers/image context for one command
// from the store's.
func (s *Store) registryContext(opts RegistryOptions) (*types.SystemContext, error) {
	sys := *s.sys
	switch opts.TLSVerify {
	case types.OptionalBoolTrue:
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolFalse
	case types.OptionalBoolFalse:
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
	}
	// REGISTRY_AUTH_FILE names the auth file, as for podman, skopeo and
	// buildah; --authfile wins over it.
	if opts.AuthFile == "" {
		opts.AuthFile = os.Getenv("REGISTRY_AUTH_FILE")
	}
	if opts.AuthFile != "" {
		sys.AuthFilePath = opts.AuthFile
	}
	if opts.CertDir != "" {
		sys.DockerCertPath = opts.CertDir
	}
	if opts.Credentials != "" {
		user, pass, _ := strings.Cut(opts.Credentials, ":")
		if user == "" {
			return nil, errdefs.InvalidArgumentf("credentials %q: user name must not be empty", opts.Credentials)
		}
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: user, Password: pass}
	}
	return &sys, nil
}

// withReadableAuth returns sys unchanged when the stored credentials for
// ref can be read. An auth file the user may not read (EACCES, e.g. root's
// /run/containers/0/auth.json seen from a user namespace) means "no
// credentials": the returned context then goes anonymous instead of
// failing the whole command.
func withReadableAuth(sys *types.SystemContext, ref reference.Named) *types.SystemContext {
	if sys.DockerAuthConfig != nil {
		return sys
	}
	if _, err := config.GetCredentialsForRef(sys, ref); err != nil && errors.Is(err, fs.ErrPermission) {
		c := *sys
		c.DockerAuthConfig = &types.DockerAuthConfig{}
		return &c
	}
	return sys
}
