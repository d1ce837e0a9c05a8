package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Health is the healthcheck state of a container: Status is "starting",
// "healthy" or "unhealthy"; Log is the engine's JSON of the latest results.
type Health struct {
	ContainerID   string
	Status        string
	FailingStreak int
	Log           []byte
}

// A container's health row goes with it.
const schemaHealth = `
CREATE TABLE health (
	container_id   TEXT PRIMARY KEY NOT NULL,
	status         TEXT NOT NULL,
	failing_streak INTEGER NOT NULL DEFAULT 0,
	log            BLOB NOT NULL
);
CREATE TRIGGER health_gc AFTER DELETE ON containers BEGIN
	DELETE FROM health WHERE container_id = OLD.id;
END;
`

// GetHealth reads a container's health; ok is false when none was recorded.
func (db *DB) GetHealth(ctx context.Context, containerID string) (h *Health, ok bool, err error) {
	h = &Health{ContainerID: containerID}
	err = db.conn().QueryRowContext(readCtx(ctx), `SELECT status, failing_streak, log FROM health WHERE container_id = ?`,
		containerID).Scan(&h.Status, &h.FailingStreak, &h.Log)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read health of %s: %w", containerID, err)
	}
	return h, true, nil
}

// UpdateHealth changes a container's health in one transaction: fn gets the
// current value (nil when none) and returns the new one (nil deletes it).
func (db *DB) UpdateHealth(ctx context.Context, containerID string, fn func(*Health) (*Health, error)) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		cur := &Health{ContainerID: containerID}
		err := tx.QueryRowContext(ctx, `SELECT status, failing_streak, log FROM health WHERE container_id = ?`,
			containerID).Scan(&cur.Status, &cur.FailingStreak, &cur.Log)
		if errors.Is(err, sql.ErrNoRows) {
			cur = nil
		} else if err != nil {
			return fmt.Errorf("read health of %s: %w", containerID, err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if next == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM health WHERE container_id = ?`, containerID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO health (container_id, status, failing_streak, log) VALUES (?, ?, ?, ?)
				ON CONFLICT (container_id) DO UPDATE SET status = excluded.status,
				failing_streak = excluded.failing_streak, log = excluded.log`,
				containerID, next.Status, next.FailingStreak, configBytes(next.Log))
		}
		if err != nil {
			return fmt.Errorf("write health of %s: %w", containerID, err)
		}
		return nil
	})
}
