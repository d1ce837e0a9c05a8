package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/mattn/go-sqlite3"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/diskspace"
)

// A full filesystem must not lock a user out: `ps`, `inspect` and `logs`
// must still read the DB, and `rm`, `system prune` and `system reset`
// (which free space) must still write it. Opening a WAL DB creates and
// grows its -shm file, and any write grows the -wal file; both fail with 0
// bytes free. So:
//   - Open falls back to a read-only open that needs neither (reads work);
//   - Open keeps reserveSize bytes in a reserve file beside the DB while
//     the filesystem has room, and a write that finds no space deletes it
//     first: the few pages of a delete then fit.
const (
	reserveSize    = 1 << 20
	reserveMinFree = 32 << 20 // only set space aside while plenty is left
)

func (db *DB) reservePath() string { return db.path + ".reserve" }

// keepReserve makes the reserve file when it is missing and the filesystem
// has room; the common case costs one stat. Best effort.
func (db *DB) keepReserve() {
	path := db.reservePath()
	if _, err := os.Stat(path); err == nil {
		return
	}
	var fs unix.Statfs_t
	if unix.Statfs(filepath.Dir(path), &fs) != nil || fs.Bavail*uint64(fs.Bsize) < reserveMinFree {
		return
	}
	tmp := fmt.Sprintf("%s.%d", path, os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return
	}
	// fallocate takes the blocks without writing them; where it is not
	// supported, zeros do the same.
	err = unix.Fallocate(int(f.Fd()), 0, 0, reserveSize)
	if err != nil {
		_, err = f.Write(make([]byte, reserveSize))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
}

// releaseReserve deletes the reserve file, reporting whether there was one.
func (db *DB) releaseReserve() bool {
	return os.Remove(db.reservePath()) == nil
}

// isFull reports whether err is SQLite (or the OS) failing for lack of
// space.
func isFull(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		if se.Code == sqlite3.ErrFull {
			return true
		}
		if se.SystemErrno == unix.ENOSPC || se.SystemErrno == unix.EDQUOT {
			return true
		}
	}
	return diskspace.IsFull(err)
}

// explainFull names the full filesystem in err.
func explainFull(err error, path string) error {
	return diskspace.Explain(err, path, true)
}

// openReadOnly opens path for reading only, after cause (a lack of space)
// made the normal open fail. Without a -wal file, or with an empty one, the
// DB file holds every commit and is opened immutable: no -shm, no locks,
// no writes. With one, another process has the DB open (its -shm exists)
// and a read-only open can share it.
func openReadOnly(ctx context.Context, path string, cause error) (*DB, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		q.Set("immutable", "1")
	} else {
		q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMS))
	}
	sdb, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	v, err := userVersion(ctx, sdb)
	if err == nil && v != len(migrations()) {
		err = fmt.Errorf("schema version %d needs migrating", v)
	}
	if err != nil {
		sdb.Close()
		return nil, err
	}
	db := &DB{path: path, full: explainFull(fmt.Errorf("state DB %s is read-only: %w", path, cause), path)}
	db.pool.Store(sdb)
	return db, nil
}

// makeWritable turns a DB opened read-only for lack of space into a
// writable one, using the reserve if there is one. Under wmu.
func (db *DB) makeWritable(ctx context.Context) error {
	db.releaseReserve()
	sdb, err := sql.Open("sqlite3", dsn(db.path))
	if err == nil {
		_, err = userVersion(ctx, sdb)
		if err != nil {
			sdb.Close()
		}
	}
	if err != nil {
		if isFull(err) {
			return db.full
		}
		return fmt.Errorf("state DB %s: %w", db.path, err)
	}
	// Readers may still hold the read-only pool: it stays open until Close.
	db.ro = db.pool.Swap(sdb)
	db.full = nil
	return nil
}
