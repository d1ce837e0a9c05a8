package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
)

// busyTimeoutMS is how long a statement waits for another process's write
// transaction before failing. Write transactions are a few statements long,
// so 10 s only runs out when something is badly wrong (a process stopped
// while holding the write lock).
const busyTimeoutMS = 10000

// DB is an open state DB. It is safe for concurrent use by many goroutines;
// many processes may have the same file open at once.
type DB struct {
	path string
	// pool is the connection pool. It is replaced once at most, under wmu,
	// when a DB opened read-only for lack of space becomes writable.
	pool atomic.Pointer[sql.DB]

	// wmu queues this process's own writers in Go rather than in SQLite's
	// busy handler, which sleeps in steps of up to 100 ms. Other processes
	// still queue on the busy timeout.
	wmu sync.Mutex
	// full is why the DB is open read-only (the filesystem had no space for
	// SQLite's -wal and -shm files at open); nil when writable. Under wmu.
	full error
	// ro is the read-only pool a writable one replaced; closed by Close.
	ro *sql.DB
}

// db is the current connection pool.
func (db *DB) conn() *sql.DB { return db.pool.Load() }

// OpenOption tunes Open.
type OpenOption func(*openConfig)

type openConfig struct {
	existing   bool
	waitAfter  time.Duration
	waitNotice func(lockPath string, holderPID int)
	rebuild    func(ctx context.Context, db *DB, f Fresh) error

	importVolumes func(ctx context.Context, containers []*Container) (VolumeImport, error)
}

// ErrNoDB is what Open returns, with WithoutCreate, when there is no DB.
var ErrNoDB = errdefs.NotFoundf("no state DB")

// WithoutCreate has Open fail with ErrNoDB, creating nothing, when there is
// no DB file: for work that has nothing to do without one (the monitor's
// cleanup command, running after `system reset` deleted everything, must
// not leave a new DB and directories behind).
func WithoutCreate() OpenOption { return WithoutCreateIf(true) }

// WithoutCreateIf is WithoutCreate when existing is true, else no option.
func WithoutCreateIf(existing bool) OpenOption {
	return func(c *openConfig) { c.existing = c.existing || existing }
}

// WithLockWaitNotice has Open call fn once when it has waited after for the
// lock that serialises opens (another process is opening or migrating the
// DB, or holds the lock for another reason). holderPID is the lock holder's
// PID when /proc/locks tells it, else 0. fn may run on another goroutine.
func WithLockWaitNotice(after time.Duration, fn func(lockPath string, holderPID int)) OpenOption {
	return func(c *openConfig) { c.waitAfter, c.waitNotice = after, fn }
}

// WithRebuild has Open call fn, still holding the open lock (so no other
// process sees the DB before fn filled it), whenever it starts a new DB:
// there was none, its file was empty, or it was corrupt and set aside. fn
// decides from what else survives whether rows were lost. When fn fails the
// new DB is deleted again and Open fails, so the next Open calls fn again.
func WithRebuild(fn func(ctx context.Context, db *DB, f Fresh) error) OpenOption {
	return func(c *openConfig) { c.rebuild = fn }
}

// Fresh says why Open started a new DB.
type Fresh struct {
	// Empty: a DB file existed but held 0 bytes. Open never leaves one
	// behind once it succeeded, so with containers elsewhere it is damage.
	Empty bool
	// Aside is where a corrupt DB was moved (its -wal and -shm files, when
	// there were any, are beside it with those suffixes); "" if none was.
	Aside string
	// Corruption is what showed the DB corrupt.
	Corruption error
}

// Open opens the state DB at path, creating it (and its directory) if it
// does not exist, and brings its schema up to date. A DB written by a newer
// pod is refused.
//
// A corrupt DB (SQLite reports it, or its quick_check fails once opening
// failed) is never used nor silently replaced: it is renamed aside, a new one
// created, and WithRebuild's function called. When the filesystem has no
// space for the files SQLite needs to open the DB, it is opened read-only:
// reads work, and the first write frees the space Open keeps in reserve
// (see reserveSize) or fails naming the full filesystem.
func Open(ctx context.Context, path string, opts ...OpenOption) (*DB, error) {
	var cfg openConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.existing {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoDB
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open state DB: %w", err)
	}
	// Turning a new file into a WAL database takes locks for which SQLite's
	// busy handler does not always wait, so concurrent first commands could
	// fail with "database is locked": opens and migrations take turns.
	l, err := acquireOpenLock(ctx, path+".lock", &cfg)
	if err != nil {
		return nil, fmt.Errorf("open state DB: %w", err)
	}
	defer l.Release()

	var fresh *Fresh
	switch fi, err := os.Stat(path); {
	case errors.Is(err, os.ErrNotExist):
		fresh = &Fresh{}
	case err != nil:
		return nil, fmt.Errorf("open state DB: %w", err)
	case fi.Size() == 0:
		fresh = &Fresh{Empty: true}
	}
	db, err := openMigrated(ctx, path)
	if err != nil && isFull(err) {
		if ro, rerr := openReadOnly(ctx, path, err); rerr == nil {
			return ro, nil
		}
		return nil, explainFull(fmt.Errorf("open state DB %s: %w", path, err), path)
	}
	if err != nil && fresh == nil && isCorrupt(path, err) {
		aside, aerr := setAside(path)
		if aerr != nil {
			return nil, fmt.Errorf("open state DB %s: %w (and could not set it aside: %v)", path, err, aerr)
		}
		fresh = &Fresh{Aside: aside, Corruption: err}
		db, err = openMigrated(ctx, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open state DB %s: %w", path, err)
	}
	if fresh != nil && cfg.rebuild != nil {
		if err := cfg.rebuild(ctx, db, *fresh); err != nil {
			db.Close()
			removeDBFiles(path)
			return nil, fmt.Errorf("rebuild state DB %s: %w", path, err)
		}
	}
	if cfg.importVolumes != nil {
		if err := db.importVolumes(ctx, cfg.importVolumes); err != nil {
			db.Close()
			return nil, fmt.Errorf("open state DB %s: %w", path, err)
		}
	}
	db.keepReserve()
	return db, nil
}

// openMigrated opens path read-write and migrates it.
func openMigrated(ctx context.Context, path string) (*DB, error) {
	sdb, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, err
	}
	db := &DB{path: path}
	db.pool.Store(sdb)
	if err := migrate(ctx, db, migrations()); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// acquireOpenLock takes the open lock, telling cfg's notice once it has
// waited cfg.waitAfter.
func acquireOpenLock(ctx context.Context, path string, cfg *openConfig) (*lock.Lock, error) {
	if cfg.waitNotice == nil {
		return lock.Acquire(ctx, path)
	}
	l, ok, err := lock.TryAcquire(path)
	if err != nil || ok {
		return l, err
	}
	var once sync.Once
	t := time.AfterFunc(cfg.waitAfter, func() {
		once.Do(func() { cfg.waitNotice(path, lock.Holder(path)) })
	})
	defer t.Stop()
	return lock.Acquire(ctx, path)
}

// dsn builds the go-sqlite3 connection string. Every connection of the pool
// runs these PRAGMAs when it opens:
//   - _busy_timeout first, so the others wait instead of failing;
//   - WAL, so readers (ps, inspect) never wait for writers;
//   - synchronous NORMAL, safe in WAL mode (a power cut may lose the last
//     commits, never corrupt the file) and much cheaper than FULL;
//   - foreign keys, which SQLite leaves off unless asked;
//   - _txlock=immediate: BeginTx sends BEGIN IMMEDIATE, taking the write lock
//     at the start. A deferred transaction that reads and then writes can
//     fail with SQLITE_BUSY without the busy handler ever running when
//     another process committed in between.
func dsn(path string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMS))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Path is the DB file's path.
func (db *DB) Path() string { return db.path }

// Close closes the DB. Changes are durable once each call returned.
func (db *DB) Close() error {
	if db.ro != nil {
		db.ro.Close()
	}
	if err := db.conn().Close(); err != nil {
		return fmt.Errorf("close state DB %s: %w", db.path, err)
	}
	return nil
}

// readCtx is the context reads run under: ctx without its cancellation.
// go-sqlite3 starts a goroutine for every row it steps when the context can
// be cancelled (and pod's CLI context always can, for SIGINT), which made
// List of 1000 rows markedly slower. A read in WAL mode never waits for a
// lock, so there is nothing worth interrupting; callers check ctx between
// rows instead.
func readCtx(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// write runs fn in one write transaction, committed when fn returns nil and
// rolled back otherwise. fn's error is returned unwrapped, so its category
// and message reach the caller as is. A write that fails for lack of space
// frees the reserve and is tried once more: deletes, which free space, must
// work on a full disk.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if db.full != nil {
		if err := db.makeWritable(ctx); err != nil {
			return err
		}
	}
	err := db.writeOnce(ctx, fn)
	if err != nil && isFull(err) && db.releaseReserve() {
		err = db.writeOnce(ctx, fn)
	}
	if err != nil && isFull(err) {
		return explainFull(err, db.path)
	}
	return err
}

func (db *DB) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.conn().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state DB %s: begin transaction: %w", db.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state DB %s: commit: %w", db.path, err)
	}
	return nil
}
