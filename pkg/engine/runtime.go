// Package engine is pod's library: a Runtime joins configuration, image and
// container storage, the state DB and networks, and every pod command is a
// call on it. Nothing here knows about flags or exit codes.
package engine

import (
	"context"
	"fmt"

	"github.com/containers/image/v5/types"

	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/storage"
)

// Options configure Open. Zero values mean "as containers/storage and the
// system's configuration files say".
type Options struct {
	GraphRoot     string
	RunRoot       string
	StorageDriver string
	StorageOpts   []string
	OCIRuntime    string
}

// Runtime is an open engine. It is cheap to open: no network, no scans.
type Runtime struct {
	opts  Options
	store *storage.Store
}

// Open opens storage. Close releases it.
func Open(ctx context.Context, opts Options) (*Runtime, error) {
	st, err := storage.Open(storage.Options{
		GraphRoot:  opts.GraphRoot,
		RunRoot:    opts.RunRoot,
		Driver:     opts.StorageDriver,
		DriverOpts: opts.StorageOpts,
	})
	if err != nil {
		return nil, fmt.Errorf("open storage: %w", err)
	}
	return &Runtime{opts: opts, store: st}, nil
}

// Close releases storage. It never unmounts what running containers use.
func (r *Runtime) Close() error {
	return r.store.Close()
}

// Store is the image and layer store.
func (r *Runtime) Store() *storage.Store { return r.store }

// SystemContext is the containers/image context for registry and archive
// access, carrying registries.conf, policy.json and auth file locations.
func (r *Runtime) SystemContext() *types.SystemContext { return r.store.SystemContext() }

// Rootless reports whether the engine acts for an unprivileged user.
func (r *Runtime) Rootless() bool { return rootless.IsRootless() }
