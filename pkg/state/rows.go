package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// rowsQuerier is the DB or a transaction, for reads that serve both.
type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type scanner interface{ Scan(dest ...any) error }

// scanRows reads every row with scan and closes rows. A long read checks
// ctx every 256 rows, so that a cancelled command stops.
func scanRows[T any](ctx context.Context, rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		if len(out)%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// lookupRow finds the row of table whose id is key, else whose name is
// key, else whose id starts with key. n is how many rows match: 1 for the
// row found, 0 for none, more for an ID prefix of several rows (row is
// then zero).
func lookupRow[T any](ctx context.Context, q *sql.DB, table, columns, key string, scan func(scanner) (T, error)) (row T, n int, err error) {
	rctx := readCtx(ctx)
	row, err = scan(q.QueryRowContext(rctx, `SELECT `+columns+` FROM `+table+`
		WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, key))
	if err == nil {
		return row, 1, nil
	}
	if !errors.Is(err, sql.ErrNoRows) || !isHex(key) || len(key) >= idLen {
		return row, 0, ignoreNoRows(err)
	}
	// IDs are lowercase hex, so every ID starting with key sorts in
	// [key, key+"g"): a range the primary key index answers.
	rows, err := q.QueryContext(rctx, `SELECT `+columns+` FROM `+table+`
		WHERE id >= ?1 AND id < ?2 LIMIT 2`, key, key+"g")
	if err != nil {
		return row, 0, err
	}
	found, err := scanRows(ctx, rows, scan)
	if err != nil || len(found) == 0 {
		return row, 0, err
	}
	if len(found) == 1 {
		return found[0], 1, nil
	}
	err = q.QueryRowContext(rctx, `SELECT count(*) FROM `+table+` WHERE id >= ?1 AND id < ?2`, key, key+"g").Scan(&n)
	return row, n, err
}

// ignoreNoRows is err, or nil for sql.ErrNoRows.
func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// mustAffect is errdefs.ErrNotFound, "no KIND with ID ...", when a write
// by ID changed no row: the row was gone.
func mustAffect(res sql.Result, kind, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %s: %w", kind, id, err)
	}
	if n == 0 {
		return errdefs.NotFoundf("no %s with ID %q found", kind, id)
	}
	return nil
}

// importOnce runs fn once per DB, in the write transaction that sets the
// meta key mark: the mark is read first without the write lock (one read:
// the common case), then again under it, so that concurrent first
// commands import exactly once and a failed import leaves nothing, to be
// done again by the next call. what names the import in errors.
func (db *DB) importOnce(ctx context.Context, mark, what string, fn func(tx *sql.Tx) error) error {
	if _, ok, err := db.GetMeta(ctx, mark); err != nil || ok {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM meta WHERE key = ?`, mark).Scan(&n); err != nil {
			return fmt.Errorf("import %s: %w", what, err)
		}
		if n > 0 {
			return nil // another process imported meanwhile
		}
		if err := fn(tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, mark, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("import %s: %w", what, err)
		}
		return nil
	})
}
