package state

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawDB opens path without migrating, as an older or newer pod left it.
func rawDB(t *testing.T, path string) *DB {
	t.Helper()
	sdb, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{path: path}
	db.pool.Store(sdb)
	t.Cleanup(func() { sdb.Close() })
	return db
}

func version(t *testing.T, db *DB) int {
	t.Helper()
	v, err := userVersion(context.Background(), db.conn())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMigrateFromEveryVersion builds a DB at each older schema version,
// with a container in it where the schema has containers, and checks that
// Open upgrades it in place, keeping the data.
func TestMigrateFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	steps := migrations()
	for from := 0; from < len(steps); from++ {
		t.Run(fmt.Sprintf("from %d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pod.db")
			old := rawDB(t, path)
			if err := migrate(ctx, old, steps[:from]); err != nil {
				t.Fatal(err)
			}
			if got := version(t, old); got != from {
				t.Fatalf("built DB at version %d, want %d", got, from)
			}
			id := NewID()
			if from >= 1 {
				// Written with version 1's columns, as a pod of that time did.
				_, err := old.conn().ExecContext(ctx, `INSERT INTO containers (id, name, config, created_at, status)
					VALUES (?, 'old', '{}', 1700000000000000000, 'exited')`, id)
				if err != nil {
					t.Fatal(err)
				}
			}
			old.conn().Close()

			db, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("Open of a version %d DB: %v", from, err)
			}
			defer db.Close()
			if got := version(t, db); got != len(steps) {
				t.Errorf("version after Open = %d, want %d", got, len(steps))
			}
			if from >= 1 {
				c, err := db.Get(ctx, "old")
				if err != nil {
					t.Fatalf("container written at version %d lost: %v", from, err)
				}
				if c.ID != id || c.Status != StatusExited || c.CreatedAt.UnixNano() != 1700000000000000000 {
					t.Errorf("container after upgrade = %+v", c)
				}
			}
			// Everything works on the upgraded DB.
			mustAdd(t, db, newContainer("new"))
			if err := db.SetMeta(ctx, "k", "v"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRefuseNewerVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pod.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	newer := len(migrations()) + 1
	if _, err := db.conn().ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", newer)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(ctx, path)
	if err == nil {
		t.Fatal("Open of a DB from a newer pod succeeded")
	}
	for _, want := range []string{path, fmt.Sprintf("schema version %d", newer), "newer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if got := version(t, rawDB(t, path)); got != newer {
		t.Errorf("refused DB was changed to version %d", got)
	}
}

// TestFailedMigrationRollsBack checks that a step is one transaction: when
// its SQL fails half-way, neither its first statement nor a version bump
// remains.
func TestFailedMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pod.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps := append(migrations(), migration{"broken", `CREATE TABLE half (x); THIS IS NOT SQL;`})
	err = migrate(ctx, db, steps)
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("broken migration = %v; want an error naming it", err)
	}
	if got := version(t, db); got != len(steps)-1 {
		t.Errorf("version after a failed step = %d, want %d", got, len(steps)-1)
	}
	var n int
	if err := db.conn().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'half'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("the failed step's first statement was kept")
	}
}

func TestOpenSettings(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": fmt.Sprint(busyTimeoutMS),
		"foreign_keys": "1",
		"synchronous":  "1",
	} {
		var got string
		if err := db.conn().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

// TestOpenNotADatabase: a file that is no DB is neither used nor
// overwritten: Open keeps it, unchanged, under another name and starts anew.
func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pod.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not sqlite ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	var aside string
	db, err := Open(context.Background(), path, WithRebuild(func(_ context.Context, _ *DB, f Fresh) error {
		aside = f.Aside
		return nil
	}))
	if err != nil {
		t.Fatalf("Open of a file that is no DB: %v", err)
	}
	db.Close()
	if b, _ := os.ReadFile(aside); !strings.HasPrefix(string(b), "not sqlite") {
		t.Errorf("the file that is no DB was not kept (aside %q)", aside)
	}
}
