package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// ExecSession is one process started in a running container by `pod exec`,
// recorded from before it starts until it ended. Config is the engine's
// JSON; state never parses it.
type ExecSession struct {
	ID          string
	ContainerID string
	PID         int // the process, on the host; 0 until it runs
	MonitorPID  int // its pod-conmon; 0 until it runs
	Config      []byte
	CreatedAt   time.Time
}

// The exec_sessions rows of a container go with it.
const schemaExecSessions = `
CREATE TABLE exec_sessions (
	id           TEXT PRIMARY KEY NOT NULL,
	container_id TEXT NOT NULL,
	pid          INTEGER NOT NULL DEFAULT 0,
	monitor_pid  INTEGER NOT NULL DEFAULT 0,
	config       BLOB NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX exec_sessions_container ON exec_sessions (container_id);
CREATE TRIGGER exec_sessions_gc AFTER DELETE ON containers BEGIN
	DELETE FROM exec_sessions WHERE container_id = OLD.id;
END;
`

// AddExec records a new session.
func (db *DB) AddExec(ctx context.Context, s *ExecSession) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO exec_sessions (id, container_id, pid, monitor_pid, config, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.ContainerID, s.PID, s.MonitorPID, configBytes(s.Config), toNanos(s.CreatedAt))
		if err != nil {
			return fmt.Errorf("add exec session %s: %w", s.ID, err)
		}
		return nil
	})
}

// SetExecRunning records the PIDs of a session whose process runs.
func (db *DB) SetExecRunning(ctx context.Context, id string, pid, monitorPID int) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exec_sessions SET pid = ?, monitor_pid = ? WHERE id = ?`, pid, monitorPID, id)
		if err != nil {
			return fmt.Errorf("update exec session %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errdefs.NotFoundf("no exec session with ID %q found", id)
		}
		return nil
	})
}

// ExecSessions lists the sessions of a container, oldest first.
func (db *DB) ExecSessions(ctx context.Context, containerID string) ([]*ExecSession, error) {
	rows, err := db.conn().QueryContext(readCtx(ctx), `SELECT id, container_id, pid, monitor_pid, config, created_at
		FROM exec_sessions WHERE container_id = ? ORDER BY created_at, id`, containerID)
	if err != nil {
		return nil, fmt.Errorf("list exec sessions of %s: %w", containerID, err)
	}
	defer rows.Close()
	var out []*ExecSession
	for rows.Next() {
		var s ExecSession
		var created int64
		if err := rows.Scan(&s.ID, &s.ContainerID, &s.PID, &s.MonitorPID, &s.Config, &created); err != nil {
			return nil, fmt.Errorf("list exec sessions of %s: %w", containerID, err)
		}
		s.CreatedAt = fromNanos(created)
		out = append(out, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list exec sessions of %s: %w", containerID, err)
	}
	return out, nil
}

// RemoveExec deletes a session's row. A session already gone is not an
// error: the client and the monitor's exit command both remove it.
func (db *DB) RemoveExec(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM exec_sessions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("remove exec session %s: %w", id, err)
		}
		return nil
	})
}
