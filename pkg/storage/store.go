// Package storage holds images and container root filesystems through
// containers/storage, and moves images in and out through containers/image.
package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/containers/image/v5/pkg/cli/environment"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	stypes "github.com/containers/storage/types"
	"github.com/sirupsen/logrus"
)

// Options override what storage.conf says.
type Options struct {
	GraphRoot  string
	RunRoot    string
	Driver     string
	DriverOpts []string
}

// Store is an open image and layer store.
type Store struct {
	cstorage.Store
	sys *types.SystemContext
	// pulls counts the pulls in flight in this process; while another
	// pod process pulls, only a lone pull may sweep abandoned staging
	// directories (see holdStaging).
	pulls atomic.Int32
}

// Open reads storage.conf (system, then per user when rootless), applies the
// overrides and opens the store.
func Open(opts Options) (*Store, error) {
	so, err := ResolveOptions(opts)
	if err != nil {
		return nil, err
	}
	return OpenResolved(so)
}

// ResolveOptions reads storage.conf and applies the overrides, without
// opening anything: callers that only need the roots (the state DB lives in
// the graph root) need not pay for loading the store.
func ResolveOptions(opts Options) (stypes.StoreOptions, error) {
	so, err := stypes.DefaultStoreOptions()
	if err != nil {
		return so, fmt.Errorf("read storage configuration: %w", err)
	}
	if opts.GraphRoot != "" {
		so.GraphRoot = opts.GraphRoot
	}
	if opts.RunRoot != "" {
		so.RunRoot = opts.RunRoot
	}
	if opts.Driver != "" {
		so.GraphDriverName = opts.Driver
		if opts.DriverOpts == nil {
			so.GraphDriverOptions = nil // the configured options belong to the configured driver
		}
	}
	if opts.DriverOpts != nil {
		so.GraphDriverOptions = opts.DriverOpts
	}
	return so, nil
}

// OpenResolved opens the store ResolveOptions described. It reads every
// image, container and (on first use) layer record.
func OpenResolved(so stypes.StoreOptions) (*Store, error) {
	for _, dir := range []string{so.GraphRoot, so.RunRoot} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	st, err := cstorage.GetStore(so)
	if err != nil {
		return nil, err
	}
	sys := &types.SystemContext{}
	// CONTAINERS_REGISTRIES_CONF and REGISTRIES_CONFIG_PATH name another
	// registries.conf, as for every containers tool.
	if err := environment.UpdateRegistriesConf(sys); err != nil {
		return nil, fmt.Errorf("registries configuration: %w", err)
	}
	tmpBase := filepath.Join(so.GraphRoot, "tmp")
	if err := os.MkdirAll(tmpBase, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", tmpBase, err)
	}
	// Every temporary file of this process, containers/image's too, goes
	// into a directory of its own that the next process sweeps if this
	// one is killed (see tmpdir.go).
	if sys.BigFilesTemporaryDir, err = makeTempDir(tmpBase); err != nil {
		return nil, err
	}
	return &Store{Store: st, sys: sys}, nil
}

// SystemContext is the containers/image context for this store.
func (s *Store) SystemContext() *types.SystemContext { return s.sys }

// Close shuts the store down without unmounting layers in use. Layers
// still mounted (a running container's, a `pod mount`) are the normal case,
// not an error: storage reports them as one and leaves them be.
func (s *Store) Close() error {
	if err := os.RemoveAll(s.TempDir()); err != nil {
		logrus.Debugf("remove %s: %v", s.TempDir(), err)
	}
	_, err := s.Shutdown(false)
	if errors.Is(err, cstorage.ErrLayerUsedByContainer) {
		return nil
	}
	return err
}
