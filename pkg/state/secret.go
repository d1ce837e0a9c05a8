package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// schemaSecrets holds the records of `pod secret`: name, driver and labels.
// The secret's data is not here: the driver keeps it (the file driver in a
// 0600 file named by the ID), so that a copy of the DB, a backup or a
// `sqlite3 .dump` holds no secret. Containers copy a secret's data when
// they are created, so no container refers to a row here and rm needs no
// in-use check, as podman's `secret rm` does not.
const schemaSecrets = `
CREATE TABLE secrets (
	id             TEXT PRIMARY KEY NOT NULL,
	name           TEXT NOT NULL UNIQUE,
	driver         TEXT NOT NULL,
	driver_options TEXT NOT NULL DEFAULT '',
	labels         TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
);
`

// Secret is one secret's record.
type Secret struct {
	ID, Name      string
	Driver        string
	DriverOptions map[string]string // nil when none
	Labels        map[string]string // nil when none
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// SecretIDLen is the length of a secret ID: 25 lowercase hex characters,
// as podman's.
const SecretIDLen = 25

const secretColumns = `id, name, driver, driver_options, labels, created_at, updated_at`

func scanSecret(s scanner) (*Secret, error) {
	var (
		sec              Secret
		opts, labels     string
		created, updated int64
	)
	if err := s.Scan(&sec.ID, &sec.Name, &sec.Driver, &opts, &labels, &created, &updated); err != nil {
		return nil, err
	}
	if err := decodeLabels(labels, &sec.Labels); err != nil {
		return nil, fmt.Errorf("secret %s: %w", sec.ID, err)
	}
	if opts != "" {
		if err := json.Unmarshal([]byte(opts), &sec.DriverOptions); err != nil {
			return nil, fmt.Errorf("secret %s: driver options: %w", sec.ID, err)
		}
	}
	sec.CreatedAt, sec.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &sec, nil
}

// AddSecret records s. A name in use is errdefs.ErrAlreadyExists, unless
// replace, which keeps the existing secret's ID and creation time, sets
// s.ID and s.CreatedAt to them and records s's driver, options, labels and
// UpdatedAt instead. It returns whether an existing record was replaced.
func (db *DB) AddSecret(ctx context.Context, s *Secret, replace bool) (replaced bool, err error) {
	if len(s.ID) != SecretIDLen || !isHex(s.ID) {
		return false, errdefs.InvalidArgumentf("invalid secret ID %q: want %d lowercase hex characters", s.ID, SecretIDLen)
	}
	now := time.Now()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	if s.UpdatedAt.IsZero() {
		s.UpdatedAt = s.CreatedAt
	}
	labels, err := encodeLabels(s.Labels)
	if err != nil {
		return false, err
	}
	opts, err := encodeLabels(s.DriverOptions)
	if err != nil {
		return false, err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		old, err := scanSecret(tx.QueryRowContext(ctx, `SELECT `+secretColumns+` FROM secrets WHERE name = ?`, s.Name))
		switch {
		case err == nil && !replace:
			return errdefs.AlreadyExistsf("secret name %q is already in use by %s", s.Name, old.ID)
		case err == nil:
			s.ID, s.CreatedAt = old.ID, old.CreatedAt
			replaced = true
			_, err = tx.ExecContext(ctx, `UPDATE secrets SET driver = ?, driver_options = ?, labels = ?, updated_at = ? WHERE id = ?`,
				s.Driver, opts, labels, toNanos(s.UpdatedAt), s.ID)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO secrets (`+secretColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				s.ID, s.Name, s.Driver, opts, labels, toNanos(s.CreatedAt), toNanos(s.UpdatedAt))
		}
		if err != nil {
			return fmt.Errorf("add secret %s: %w", s.Name, err)
		}
		return nil
	})
	return replaced, err
}

// GetSecret finds a secret by full ID, exact name or unique ID prefix.
// Nothing found is errdefs.ErrNotFound; a prefix of several IDs
// errdefs.ErrInvalidArg.
func (db *DB) GetSecret(ctx context.Context, nameOrID string) (*Secret, error) {
	if nameOrID == "" {
		return nil, errdefs.InvalidArgumentf("empty secret name or ID")
	}
	rctx := readCtx(ctx)
	s, err := scanSecret(db.conn().QueryRowContext(rctx, `SELECT `+secretColumns+` FROM secrets
		WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, nameOrID))
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("look up secret %q: %w", nameOrID, err)
	}
	if isHex(nameOrID) && len(nameOrID) < SecretIDLen {
		rows, err := db.conn().QueryContext(rctx, `SELECT `+secretColumns+` FROM secrets
			WHERE id >= ?1 AND id < ?2 LIMIT 2`, nameOrID, nameOrID+"g")
		if err != nil {
			return nil, fmt.Errorf("look up secret %q: %w", nameOrID, err)
		}
		found, err := scanSecrets(rows)
		if err != nil {
			return nil, fmt.Errorf("look up secret %q: %w", nameOrID, err)
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 2:
			return nil, errdefs.InvalidArgumentf("more than one secret matches the ID prefix %q", nameOrID)
		}
	}
	return nil, errdefs.NotFoundf("no secret with name or id %q: no such secret", nameOrID)
}

// ListSecrets returns every secret, oldest first.
func (db *DB) ListSecrets(ctx context.Context) ([]*Secret, error) {
	rows, err := db.conn().QueryContext(readCtx(ctx), `SELECT `+secretColumns+` FROM secrets ORDER BY created_at, name`)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	list, err := scanSecrets(rows)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	return list, nil
}

func scanSecrets(rows *sql.Rows) ([]*Secret, error) {
	defer rows.Close()
	var out []*Secret
	for rows.Next() {
		s, err := scanSecret(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RemoveSecret deletes the record with ID id; none is errdefs.ErrNotFound.
func (db *DB) RemoveSecret(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove secret %s: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("remove secret %s: %w", id, err)
		}
		if n == 0 {
			return errdefs.NotFoundf("no secret with ID %q: no such secret", strings.TrimSpace(id))
		}
		return nil
	})
}
