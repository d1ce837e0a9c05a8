package engine

import (
	"context"

	"github.com/pod-engine/pod/pkg/storage"
)

// CheckLogin checks credentials against registry as Login does, and
// stores nothing (the Docker API's /auth: the client keeps them).
func (r *Runtime) CheckLogin(ctx context.Context, registry string, opts LoginOptions) error {
	return r.store.CheckLogin(ctx, registry, storage.LoginOptions{
		RegistryOptions: storage.RegistryOptions{TLSVerify: opts.TLSVerify, AuthFile: opts.AuthFile, CertDir: opts.CertDir},
		Username:        opts.Username,
		Password:        opts.Password,
	})
}
