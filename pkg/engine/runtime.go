// Package engine is pod's library: a Runtime joins configuration, image and
// container storage, the state DB and networks, and every pod command is a
// call on it. Nothing here knows about flags or exit codes.
package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/containers/image/v5/types"

	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/state"
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
	CgroupManager string // "" or cgroupfs; systemd is refused
	LogLevel      string // passed on to the cleanup command the monitor runs
}

// Runtime is an open engine. It is cheap to open: no network, no scans,
// nothing per container. The OCI runtime and the monitor binary are looked
// up on first use, so commands that never run a container never pay for it.
type Runtime struct {
	opts  Options
	store *storage.Store
	db    *state.DB

	ociOnce sync.Once
	oci     *oci.Runtime
	ociErr  error
}

// Open opens storage and the state DB, and notices a reboot since the last
// command. Close releases them.
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
	db, err := state.Open(ctx, filepath.Join(st.GraphRoot(), "pod", "state.db"))
	if err != nil {
		st.Close()
		return nil, err
	}
	r := &Runtime{opts: opts, store: st, db: db}
	if err := r.checkReboot(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close releases the DB and storage. It never unmounts what running
// containers use.
func (r *Runtime) Close() error {
	dbErr := r.db.Close()
	if err := r.store.Close(); err != nil {
		return err
	}
	return dbErr
}

// Store is the image and layer store.
func (r *Runtime) Store() *storage.Store { return r.store }

// DB is the state DB.
func (r *Runtime) DB() *state.DB { return r.db }

// SystemContext is the containers/image context for registry and archive
// access, carrying registries.conf, policy.json and auth file locations.
func (r *Runtime) SystemContext() *types.SystemContext { return r.store.SystemContext() }

// Rootless reports whether the engine acts for an unprivileged user.
func (r *Runtime) Rootless() bool { return rootless.IsRootless() }

// podRunDir is pod's own directory in the run root: boot id, locks, the
// OCI runtime's state.
func (r *Runtime) podRunDir(elem ...string) string {
	return filepath.Join(append([]string{r.store.RunRoot(), "pod"}, elem...)...)
}

// OCI returns the OCI runtime, found on first use.
func (r *Runtime) OCI() (*oci.Runtime, error) {
	r.ociOnce.Do(func() {
		path, err := oci.Find(r.opts.OCIRuntime)
		if err != nil {
			r.ociErr = err
			return
		}
		r.oci = oci.New(path, r.podRunDir("runtime", filepath.Base(path)))
	})
	return r.oci, r.ociErr
}

// lockContainer takes the container's lifecycle lock. Every operation that
// changes a container's run state holds it, so `stop X` racing `rm X`, or
// the monitor's cleanup racing a start, end in a consistent state.
func (r *Runtime) lockContainer(ctx context.Context, id string) (*lock.Lock, error) {
	l, err := lock.Acquire(ctx, r.podRunDir("locks", id+".lock"))
	if err != nil {
		return nil, fmt.Errorf("lock container %s: %w", shortID(id), err)
	}
	return l, nil
}

// tryLockContainer takes the lock only if nobody holds it (ok false).
func (r *Runtime) tryLockContainer(id string) (l *lock.Lock, ok bool, err error) {
	return lock.TryAcquire(r.podRunDir("locks", id+".lock"))
}

// checkReboot compares the kernel's boot id with the one recorded in the run
// root. The run root is not always a tmpfs (it is not on this host), so an
// empty run root cannot be trusted to reveal a reboot. On a new boot every
// container the DB says is running, paused or stopping is marked exited:
// its processes, monitor and mounts are gone. The common case, the same
// boot, costs one small file read.
func (r *Runtime) checkReboot(ctx context.Context) error {
	boot, err := state.BootID()
	if err != nil {
		return err
	}
	path := r.podRunDir("boot-id")
	recorded, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(recorded)) == boot {
		return nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	// A missing file means either a fresh install or a run root that a
	// reboot emptied; marking running rows exited is right in both cases.
	if err := r.markAllExited(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	// Write then rename, so a concurrent reader never sees half an id.
	tmp := fmt.Sprintf("%s.%d", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(boot+"\n"), 0o600); err != nil {
		return fmt.Errorf("record boot id: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record boot id: %w", err)
	}
	return nil
}
