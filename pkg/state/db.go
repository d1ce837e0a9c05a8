package state

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

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
	db   *sql.DB

	// wmu queues this process's own writers in Go rather than in SQLite's
	// busy handler, which sleeps in steps of up to 100 ms. Other processes
	// still queue on the busy timeout.
	wmu sync.Mutex
}

// Open opens the state DB at path, creating it (and its directory) if it
// does not exist, and brings its schema up to date. A DB written by a newer
// pod is refused.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open state DB: %w", err)
	}
	// Turning a new file into a WAL database takes locks for which SQLite's
	// busy handler does not always wait, so concurrent first commands could
	// fail with "database is locked": opens and migrations take turns.
	l, err := lock.Acquire(ctx, path+".lock")
	if err != nil {
		return nil, fmt.Errorf("open state DB: %w", err)
	}
	defer l.Release()
	sdb, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open state DB %s: %w", path, err)
	}
	db := &DB{path: path, db: sdb}
	if err := migrate(ctx, db, migrations()); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open state DB %s: %w", path, err)
	}
	return db, nil
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
	if err := db.db.Close(); err != nil {
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
// and message reach the caller as is.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tx, err := db.db.BeginTx(ctx, nil)
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
