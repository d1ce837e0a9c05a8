package state

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one step of the schema. Step i (0-based) takes a DB from
// user_version i to i+1. Applied steps are never edited: a schema change is
// a new step at the end of migrations().
type migration struct {
	name string
	sql  string
}

// migrations is the ordered schema history. To add a table, write its SQL
// in a const below and append one line here.
func migrations() []migration {
	return []migration{
		{"containers", schemaContainers},
		{"meta", schemaMeta},
		{"events", schemaEvents},
		{"exec_sessions", schemaExecSessions},
		{"health", schemaHealth},
		{"volumes", schemaVolumes},
		{"networks", schemaNetworks},
		{"pods", schemaPods},
		{"secrets", schemaSecrets},
	}
}

// Times are Unix nanoseconds, 0 meaning "never"; booleans are 0/1; labels
// are a JSON object (empty string for none) so that ps filters need not
// parse config.
const schemaContainers = `
CREATE TABLE containers (
	id              TEXT PRIMARY KEY NOT NULL,
	name            TEXT NOT NULL UNIQUE,
	image_id        TEXT NOT NULL DEFAULT '',
	image_name      TEXT NOT NULL DEFAULT '',
	command         TEXT NOT NULL DEFAULT '',
	labels          TEXT NOT NULL DEFAULT '',
	config          BLOB NOT NULL,
	created_at      INTEGER NOT NULL,
	status          TEXT NOT NULL,
	pid             INTEGER NOT NULL DEFAULT 0,
	monitor_pid     INTEGER NOT NULL DEFAULT 0,
	exit_code       INTEGER NOT NULL DEFAULT 0,
	oom_killed      INTEGER NOT NULL DEFAULT 0,
	started_at      INTEGER NOT NULL DEFAULT 0,
	finished_at     INTEGER NOT NULL DEFAULT 0,
	restart_count   INTEGER NOT NULL DEFAULT 0,
	stopped_by_user INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX containers_created_at ON containers (created_at);
`

const schemaMeta = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
);
`

// migrate brings db to len(steps). The common case, a current schema, costs
// one read. Each step runs in its own BEGIN IMMEDIATE transaction that
// re-reads the version first, so processes opening one old (or new) DB at
// once apply each step exactly once, and a failed step leaves the DB at the
// previous version.
func migrate(ctx context.Context, db *DB, steps []migration) error {
	v, err := userVersion(ctx, db.conn())
	if err != nil {
		return err
	}
	if v > len(steps) {
		return fmt.Errorf("schema version %d is newer than this pod understands (%d): the DB was written by a newer pod; use that pod or a newer one", v, len(steps))
	}
	for v < len(steps) {
		err := db.write(ctx, func(tx *sql.Tx) error {
			cur, err := userVersion(ctx, tx)
			if err != nil {
				return err
			}
			if cur > len(steps) {
				return fmt.Errorf("schema version %d is newer than this pod understands (%d)", cur, len(steps))
			}
			if cur != v {
				// Another process migrated meanwhile.
				v = cur
				return nil
			}
			step := steps[v]
			if _, err := tx.ExecContext(ctx, step.sql); err != nil {
				return fmt.Errorf("migrate schema to version %d (%s): %w", v+1, step.name, err)
			}
			// PRAGMA takes no bound parameters; v is an int.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return fmt.Errorf("migrate schema to version %d: set version: %w", v+1, err)
			}
			v++
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
