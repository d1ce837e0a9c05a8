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
	"time"

	"github.com/containers/image/v5/types"
	stypes "github.com/containers/storage/types"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/config"
	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/journal"
	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/storage"
	"github.com/pod-engine/pod/pkg/timings"
)

// Options configure Open. Zero values mean "as containers/storage and the
// system's configuration files say".
type Options struct {
	GraphRoot     string
	RunRoot       string
	StorageDriver string
	StorageOpts   []string
	OCIRuntime    string
	CgroupManager string // "" (systemd where it runs, else cgroupfs), systemd or cgroupfs
	LogLevel      string // passed on to the cleanup command the monitor runs
	// Config is containers.conf as read; nil reads this process's files
	// (config.Load) at Open.
	Config *config.Config
	// NotifySocket is the sd_notify socket of the service manager that
	// started pod (NOTIFY_SOCKET), for --sdnotify; "" for none.
	NotifySocket string

	// The global flags that override containers.conf or pod's defaults
	// (podman's of the same names); each is passed on to the cleanup
	// command the monitor runs, so that a container's end is handled as
	// its start was. "" or nil means "as configured".
	RuntimeFlags   []string // --runtime-flag: global flags of the OCI runtime, without "--"
	EventsBackend  string   // --events-backend: file, journald or none
	VolumePath     string   // --volumepath: where named volumes live
	NetworkCmdPath string   // --network-cmd-path: the slirp4netns binary
	MonitorPath    string   // --conmon: the pod-conmon binary
	ConfigModules  []string // --module: containers.conf modules read after the files
	HooksDirs      []string // --hooks-dir: OCI hook directories (nil: hooks.DefaultDirs)
	Syslog         bool     // --syslog: log to syslog too (cleanup passes it on)

	// LazyStorage defers opening image and container storage until a
	// container operation needs it. Opening storage reads every image,
	// container and layer record, which `pod ps` and the like do not need.
	// Images and the container operations open it when they need it.
	LazyStorage bool

	// Existing opens only an existing installation: without a state DB,
	// Open fails with ErrNoState and creates nothing. For the monitor's
	// cleanup command, which may run after `system reset` removed it all.
	Existing bool
}

// ErrNoState is Open's error, with Options.Existing, when there is no
// state DB (an errdefs.ErrNotFound).
var ErrNoState = state.ErrNoDB

// Runtime is an open engine. It is cheap to open: no network, no scans,
// nothing per container. The OCI runtime and the monitor binary are looked
// up on first use, so commands that never run a container never pay for it.
type Runtime struct {
	opts      Options
	conf      *config.Config // never nil after Open
	storeOpts stypes.StoreOptions
	db        *state.DB

	// store is nil until opened: at Open, or with LazyStorage by storage().
	store *storage.Store
	// images are the store's images, set when the store opens.
	images *images.Service
	// timings records where the command that opened the runtime spends
	// its time (pod --timings); nil records nothing.
	timings   *timings.Recorder
	storeOnce sync.Once
	storeErr  error

	ociOnce sync.Once
	oci     *oci.Runtime
	ociErr  error
	// ociNamed are the runtimes containers recorded (ociFor), by name.
	ociMu    sync.Mutex
	ociNamed map[string]*oci.Runtime
}

// lockWaitNotice is how long Open waits for the state DB's open lock before
// saying so: long enough that a normal open (a few milliseconds) never
// prints it, short enough that a stuck holder is named before the user
// wonders.
const lockWaitNotice = time.Second

// Open opens the state DB and (unless opts.LazyStorage) storage, and
// notices a reboot since the last command. Close releases them.
func Open(ctx context.Context, opts Options) (*Runtime, error) {
	endConfig := timings.Start(ctx, "config")
	conf, err := loadConfig(opts)
	if err != nil {
		endConfig()
		return nil, err
	}
	// A flag wins over containers.conf.
	if opts.OCIRuntime == "" {
		opts.OCIRuntime = conf.Engine.Runtime
	}
	so, err := resolveStoreOptions(opts)
	endConfig()
	if err != nil {
		return nil, err
	}
	r := &Runtime{opts: opts, conf: conf, storeOpts: so, timings: timings.From(ctx)}
	stateDir := filepath.Join(so.GraphRoot, "pod")
	endDB := timings.Start(ctx, "DB")
	r.db, err = state.Open(ctx, filepath.Join(stateDir, "state.db"),
		state.WithLockWaitNotice(lockWaitNotice, func(path string, pid int) {
			holder := "another process"
			if pid > 0 {
				holder = fmt.Sprintf("process %d", pid)
			}
			logrus.Warnf("waiting for the state DB lock %s, held by %s", path, holder)
		}),
		state.WithRebuild(r.rebuildDB), state.WithVolumeImport(r.importVolumes),
		state.WithoutCreateIf(opts.Existing))
	endDB()
	if err != nil {
		r.closeStore()
		return nil, err
	}
	if err := r.pinRunRoot(ctx); err != nil {
		// A DB opened read-only (a full disk) cannot record the run root:
		// this command still reads and removes with the one it found.
		logrus.Debugf("record the run root: %v", err)
	}
	if err := rootless.RecordPause(stateDir); err != nil {
		if errors.Is(err, rootless.ErrOtherNamespace) {
			logrus.Warn(err)
		} else {
			logrus.Debugf("record the pause process: %v", err)
		}
	}
	if !opts.LazyStorage {
		if _, err := r.storage(); err != nil {
			r.Close()
			return nil, err
		}
	}
	endBoot := timings.Start(ctx, "DB")
	err = r.checkReboot(ctx)
	endBoot()
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// loadConfig is opts.Config, or this process's containers.conf files.
func loadConfig(opts Options) (*config.Config, error) {
	conf := opts.Config
	if conf == nil {
		env := config.FromEnv()
		env.Modules = opts.ConfigModules
		var err error
		if conf, err = env.Load(); err != nil {
			return nil, err
		}
	}
	if opts.EventsBackend != "" || opts.VolumePath != "" {
		c := *conf // the caller's stays as it was
		conf = &c
		if opts.EventsBackend != "" {
			conf.Engine.EventsLogger = opts.EventsBackend
		}
		if opts.VolumePath != "" {
			conf.Engine.VolumePath = opts.VolumePath
		}
	}
	if err := conf.Validate(); err != nil {
		return nil, err
	}
	if conf.EventsLogger() == eventsBackendJD && !journal.Available() {
		// podman's fallback: events are kept, in the file backend.
		logrus.Warnf("events backend journald: this host has no systemd journal (nothing listens on %s): falling back to file", journal.Socket)
		c := *conf
		conf = &c
		conf.Engine.EventsLogger = "file"
	}
	if len(conf.Files) > 0 {
		logrus.Debugf("%s", conf)
	}
	return conf, nil
}

// Config is containers.conf as this runtime read it.
func (r *Runtime) Config() *config.Config {
	if r.conf == nil { // a Runtime a test made without Open
		return config.Default()
	}
	return r.conf
}

func resolveStoreOptions(opts Options) (stypes.StoreOptions, error) {
	so, err := storage.ResolveOptions(storage.Options{
		GraphRoot:  opts.GraphRoot,
		RunRoot:    opts.RunRoot,
		Driver:     opts.StorageDriver,
		DriverOpts: opts.StorageOpts,
	})
	if err != nil {
		return so, fmt.Errorf("open storage: %w", err)
	}
	for _, root := range []*string{&so.GraphRoot, &so.RunRoot} {
		if *root, err = filepath.Abs(*root); err != nil {
			return so, fmt.Errorf("open storage: %w", err)
		}
	}
	return so, nil
}

// StateDir is the directory of the state DB that Open with opts would use,
// found without opening anything. It depends on the graph root only, so
// it is the same in every environment a user runs pod in.
func StateDir(opts Options) (string, error) {
	so, err := resolveStoreOptions(opts)
	if err != nil {
		return "", err
	}
	return filepath.Join(so.GraphRoot, "pod"), nil
}

// runRootKey is the state DB's meta key for the run root its containers
// run with.
const runRootKey = "run-root"

// pinRunRoot keeps one graph root on one run root. Without --runroot, the
// run root containers/storage picks depends on the environment (rootless:
// under XDG_RUNTIME_DIR, which cron, su and ssh set differently or not at
// all), and a command with another one would find none of the running
// containers' locks, monitor sockets and runtime state. As in Podman, the
// run root recorded in the DB wins over the default while it exists (a
// reboot may have removed it, and then nothing of it runs any more); an
// explicit --runroot wins over both.
func (r *Runtime) pinRunRoot(ctx context.Context) error {
	recorded, ok, err := r.db.GetMeta(ctx, runRootKey)
	if err != nil {
		return err
	}
	if ok && recorded == r.storeOpts.RunRoot {
		return nil
	}
	if ok && r.opts.RunRoot != "" {
		return nil // explicit, for this command only
	}
	if ok {
		if st, err := os.Stat(recorded); err == nil && st.IsDir() {
			logrus.Debugf("run root %s from the state DB, not %s", recorded, r.storeOpts.RunRoot)
			r.storeOpts.RunRoot = recorded
			return nil
		}
	}
	return r.db.SetMeta(ctx, runRootKey, r.storeOpts.RunRoot)
}

// storage returns the image and container store, opening it on first use.
func (r *Runtime) storage() (*storage.Store, error) {
	r.storeOnce.Do(func() {
		defer r.timings.Start("storage open")()
		st, err := storage.OpenResolved(r.storeOpts)
		if err != nil {
			r.storeErr = fmt.Errorf("open storage: %w", err)
			return
		}
		r.store = st
		r.images = images.New(st, r.imageEvent)
	})
	return r.store, r.storeErr
}

func (r *Runtime) closeStore() error {
	if r.store == nil {
		return nil
	}
	return r.store.Close()
}

// Close releases the DB and storage. It never unmounts what running
// containers use.
func (r *Runtime) Close() error {
	dbErr := r.db.Close()
	if err := r.closeStore(); err != nil {
		return err
	}
	return dbErr
}

// Store is the image and layer store, opened on first use with
// LazyStorage; nil when it cannot be opened.
func (r *Runtime) Store() *storage.Store {
	st, _ := r.storage()
	return st
}

// Images are the local images: pull, push, list, inspect, tag, remove and
// the rest of the image commands. Storage opens on first use with
// LazyStorage; nil when it cannot be opened (Open without LazyStorage has
// already said why).
func (r *Runtime) Images() *images.Service {
	r.storage()
	return r.images
}

// DB is the state DB.
func (r *Runtime) DB() *state.DB { return r.db }

// SystemContext is the containers/image context for registry and archive
// access, carrying registries.conf, policy.json and auth file locations.
func (r *Runtime) SystemContext() *types.SystemContext {
	if st := r.Store(); st != nil {
		return st.SystemContext()
	}
	return &types.SystemContext{}
}

// Rootless reports whether the engine acts for an unprivileged user.
func (r *Runtime) Rootless() bool { return rootless.IsRootless() }

// podRunDir is pod's own directory in the run root: boot id, locks, the
// OCI runtime's state.
func (r *Runtime) podRunDir(elem ...string) string {
	return filepath.Join(append([]string{r.storeOpts.RunRoot, "pod"}, elem...)...)
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
		r.oci.Flags = r.opts.RuntimeFlags
		r.oci.Env = r.runtimeEnv()
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

// getLocked finds a container, takes its lifecycle lock and returns its
// state as it is under the lock (reconciled, so a dead monitor is seen).
// The caller releases the lock.
func (r *Runtime) getLocked(ctx context.Context, idOrName string) (*Container, *lock.Lock, error) {
	c, err := r.get(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	if c, err = r.syncLocked(ctx, c.ID); err != nil {
		l.Release()
		return nil, nil, err
	}
	return c, l, nil
}

// tryLockContainer takes the lock only if nobody holds it (ok false).
func (r *Runtime) tryLockContainer(id string) (l *lock.Lock, ok bool, err error) {
	return lock.TryAcquire(r.podRunDir("locks", id+".lock"))
}

// shortID is the 12-character form of an ID.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// monitorBinary is the pod-conmon binary: --conmon's, else the one found
// beside pod, in $PATH or /usr/libexec/pod.
func (r *Runtime) monitorBinary() (string, error) {
	if r.opts.MonitorPath != "" {
		return r.opts.MonitorPath, nil
	}
	return conmon.FindBinary()
}
