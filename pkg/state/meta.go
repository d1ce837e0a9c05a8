package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// GetMeta reads a value of the small key/value table the engine keeps
// facts about the DB in (such as the boot id it last reconciled at). ok is
// false when key was never set.
func (db *DB) GetMeta(ctx context.Context, key string) (value string, ok bool, err error) {
	err = db.conn().QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read state meta %q: %w", key, err)
	}
	return value, true, nil
}

// SetMeta sets key to value, replacing any earlier value.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		if err != nil {
			return fmt.Errorf("write state meta %q: %w", key, err)
		}
		return nil
	})
}
