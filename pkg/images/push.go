package images

import (
	"context"
	"io"

	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/signing"
	"github.com/pod-engine/pod/pkg/storage"
)

// PushOptions say how Push reaches the registry and what it writes.
type PushOptions struct {
	Quiet bool
	// TLSVerify overrides registries.conf: false allows plain HTTP and
	// unverified certificates.
	TLSVerify   types.OptionalBool
	AuthFile    string
	Credentials string // "user:pass"
	CertDir     string
	// Format forces the manifest type: "oci" or "v2s2".
	Format string
	// Compression says how layers are compressed.
	Compression storage.Compression
	// RemoveSignatures copies no signatures.
	RemoveSignatures bool
	// Sign says which signatures to add.
	Sign signing.Options
	// Progress receives progress (bars on a terminal, else lines); nil is silent.
	Progress io.Writer
}

// Push copies a local image to a registry. dest is a registry reference
// ("registry/repo:tag", "docker://" allowed); empty pushes to the name
// src is stored under. It returns the digest of the manifest written.
func (r *Service) Push(ctx context.Context, src, dest string, opts PushOptions) (digest.Digest, error) {
	progress := opts.Progress
	if opts.Quiet {
		progress = nil
	}
	d, err := r.store.Push(ctx, src, dest, storage.PushOptions{
		RegistryOptions: storage.RegistryOptions{
			TLSVerify: opts.TLSVerify, AuthFile: opts.AuthFile,
			Credentials: opts.Credentials, CertDir: opts.CertDir,
		},
		Compression:      opts.Compression,
		RemoveSignatures: opts.RemoveSignatures,
		Sign:             opts.Sign,
		Format:           opts.Format,
		Progress:         progress,
	})
	if err == nil {
		r.imageEventsByName(ctx, "push", []string{src}, dest)
	}
	return d, err
}

// LoginOptions are the credentials Login checks and stores.
type LoginOptions struct {
	Username  string
	Password  string
	AuthFile  string
	CertDir   string
	TLSVerify types.OptionalBool
}

// Login authenticates against registry (empty: the first
// unqualified-search registry) and stores the credentials in the auth file
// (${XDG_RUNTIME_DIR}/containers/auth.json unless AuthFile). Wrong
// credentials give an error wrapping errdefs.ErrInvalidArg. It returns the
// auth file written.
func (r *Service) Login(ctx context.Context, registry string, opts LoginOptions) (string, error) {
	return r.store.Login(ctx, registry, storage.LoginOptions{
		RegistryOptions: storage.RegistryOptions{TLSVerify: opts.TLSVerify, AuthFile: opts.AuthFile, CertDir: opts.CertDir},
		Username:        opts.Username,
		Password:        opts.Password,
	})
}

// LoggedInUser is the user name stored for registry (empty: the first
// unqualified-search registry), as login --get-login prints it; not being
// logged in wraps errdefs.ErrNotFound.
func (r *Service) LoggedInUser(registry, authFile string) (string, error) {
	return r.store.LoggedInUser(registry, storage.RegistryOptions{AuthFile: authFile})
}

// CheckLogin checks credentials against registry as Login does, and
// stores nothing (the Docker API's /auth: the client keeps them).
func (r *Service) CheckLogin(ctx context.Context, registry string, opts LoginOptions) error {
	return r.store.CheckLogin(ctx, registry, storage.LoginOptions{
		RegistryOptions: storage.RegistryOptions{TLSVerify: opts.TLSVerify, AuthFile: opts.AuthFile, CertDir: opts.CertDir},
		Username:        opts.Username,
		Password:        opts.Password,
	})
}

// Logout removes stored credentials for registry (empty: the first
// unqualified-search registry), or for all registries with all. It returns
// the registry key removed. Not being logged in wraps errdefs.ErrNotFound.
func (r *Service) Logout(ctx context.Context, registry string, all bool, authFile string) (string, error) {
	return r.store.Logout(ctx, registry, all, storage.RegistryOptions{AuthFile: authFile})
}

// Sign writes simple signatures of images in a registry into the lookaside
// storage, as podman's `image sign` does (storage.Store.SignInRegistry).
func (r *Service) Sign(ctx context.Context, names []string, opts storage.SignOptions) error {
	return r.store.SignInRegistry(ctx, names, opts)
}
