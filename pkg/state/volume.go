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

// schemaVolumes holds named volumes and which containers use them.
//
// The data directory's path is not stored: it is GRAPHROOT/volumes/NAME/_data,
// derived from the graph root, so a graph root moved or copied elsewhere
// keeps working. Options and labels are JSON objects (” for none), as the
// containers table keeps labels. uid and gid are the owner -o o=uid=N,gid=N
// asked for, -1 unset.
//
// volume_users is "container X mounts volume Y", one row per pair:
//   - ON DELETE CASCADE on container_id: removing a container row removes
//     its references in the same statement, so no path that deletes a
//     container (rm, --rm cleanup, the undo of a failed create) can leave a
//     volume looking used by a container that is gone.
//   - ON DELETE RESTRICT on volume: the DB itself refuses to delete a
//     volume some container still refers to, whatever the caller checked
//     before; "in use?" and the delete are one statement's business.
const schemaVolumes = `
CREATE TABLE volumes (
	name          TEXT PRIMARY KEY NOT NULL,
	driver        TEXT NOT NULL,
	labels        TEXT NOT NULL DEFAULT '',
	options       TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	anonymous     INTEGER NOT NULL DEFAULT 0,
	uid           INTEGER NOT NULL DEFAULT -1,
	gid           INTEGER NOT NULL DEFAULT -1,
	needs_copy_up INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX volumes_created_at ON volumes (created_at);
CREATE TABLE volume_users (
	volume       TEXT NOT NULL REFERENCES volumes (name) ON DELETE RESTRICT,
	container_id TEXT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
	PRIMARY KEY (volume, container_id)
);
CREATE INDEX volume_users_container ON volume_users (container_id);
`

// Volume is one volume's row.
type Volume struct {
	Name      string
	Driver    string
	Labels    map[string]string // nil when none
	Options   map[string]string // as given with -o (type, device, o); nil when none
	CreatedAt time.Time
	// Anonymous volumes are made for one container and removed with it by
	// rm -v and --rm.
	Anonymous bool
	UID, GID  int // -1 unset
	// NeedsCopyUp is true until the first container mounts the volume.
	NeedsCopyUp bool
}

// VolumeUse says that a container uses a volume.
type VolumeUse struct {
	Volume      string
	ContainerID string
}

const volumeColumns = `name, driver, labels, options, created_at, anonymous, uid, gid, needs_copy_up`

func scanVolume(s scanner) (*Volume, error) {
	var (
		v               Volume
		labels, options string
		created         int64
	)
	if err := s.Scan(&v.Name, &v.Driver, &labels, &options, &created, &v.Anonymous, &v.UID, &v.GID, &v.NeedsCopyUp); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		col, s string
		dst    *map[string]string
	}{{"labels", labels, &v.Labels}, {"options", options, &v.Options}} {
		if f.s != "" {
			if err := json.Unmarshal([]byte(f.s), f.dst); err != nil {
				return nil, fmt.Errorf("read volume %s: %s: %w", v.Name, f.col, err)
			}
		}
	}
	v.CreatedAt = fromNanos(created)
	return &v, nil
}

func insertVolume(ctx context.Context, tx *sql.Tx, v *Volume) error {
	if v.Name == "" || v.Driver == "" {
		return errdefs.InvalidArgumentf("a volume needs a name and a driver")
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = time.Now()
	}
	labels, err := encodeLabels(v.Labels)
	if err != nil {
		return err
	}
	options, err := encodeLabels(v.Options)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM volumes WHERE name = ?`, v.Name).Scan(&n); err != nil {
		return fmt.Errorf("add volume %s: %w", v.Name, err)
	}
	if n > 0 {
		return errdefs.AlreadyExistsf("volume with name %s already exists: volume already exists", v.Name)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO volumes (`+volumeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.Name, v.Driver, labels, options, toNanos(v.CreatedAt), v.Anonymous, v.UID, v.GID, v.NeedsCopyUp)
	if err != nil {
		return fmt.Errorf("add volume %s: %w", v.Name, err)
	}
	return nil
}

// AddVolume records a new volume. A taken name is errdefs.ErrAlreadyExists.
// A zero CreatedAt is set to now, in v too.
func (db *DB) AddVolume(ctx context.Context, v *Volume) error {
	return db.write(ctx, func(tx *sql.Tx) error { return insertVolume(ctx, tx, v) })
}

// Volume returns the volume called name; errdefs.ErrNotFound if none.
func (db *DB) Volume(ctx context.Context, name string) (*Volume, error) {
	row := db.conn().QueryRowContext(readCtx(ctx), `SELECT `+volumeColumns+` FROM volumes WHERE name = ?`, name)
	v, err := scanVolume(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errdefs.NotFoundf("no volume with name %q found", name)
	}
	if err != nil {
		return nil, fmt.Errorf("look up volume %s: %w", name, err)
	}
	return v, nil
}

// Volumes returns every volume, oldest first (then by name).
func (db *DB) Volumes(ctx context.Context) ([]*Volume, error) {
	return queryVolumes(readCtx(ctx), db.conn(), `SELECT `+volumeColumns+` FROM volumes ORDER BY created_at, name`)
}

func queryVolumes(ctx context.Context, q rowsQuerier, query string, args ...any) ([]*Volume, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	out, err := scanRows(ctx, rows, scanVolume)
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	return out, nil
}

// VolumeUsers maps each volume that some container uses to those
// containers' IDs (sorted), in one query.
func (db *DB) VolumeUsers(ctx context.Context) (map[string][]string, error) {
	return volumeUsers(readCtx(ctx), db.conn(), "")
}

// VolumeUsersOf returns the IDs of the containers that use the volume.
func (db *DB) VolumeUsersOf(ctx context.Context, name string) ([]string, error) {
	m, err := volumeUsers(readCtx(ctx), db.conn(), name)
	return m[name], err
}

func volumeUsers(ctx context.Context, q rowsQuerier, only string) (map[string][]string, error) {
	query := `SELECT volume, container_id FROM volume_users ORDER BY volume, container_id`
	var args []any
	if only != "" {
		query = `SELECT volume, container_id FROM volume_users WHERE volume = ? ORDER BY container_id`
		args = append(args, only)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list volume users: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var vol, id string
		if err := rows.Scan(&vol, &id); err != nil {
			return nil, fmt.Errorf("list volume users: %w", err)
		}
		out[vol] = append(out[vol], id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list volume users: %w", err)
	}
	return out, nil
}

// volumeInUse is the error of removing a volume containers use (podman's
// wording).
func volumeInUse(name string, ids []string) error {
	return errdefs.Conflictf("volume %s is being used by the following container(s): %s: volume is being used",
		name, strings.Join(ids, ", "))
}

// RemoveVolume deletes the volume's row, checking in the same transaction
// that no container uses it: a volume in use is errdefs.ErrConflict naming
// the containers, a missing one errdefs.ErrNotFound. It returns the row it
// deleted. A container created with the volume either committed before
// (and the volume is refused) or after (and its create fails, finding no
// volume): never a container referring to a deleted volume.
func (db *DB) RemoveVolume(ctx context.Context, name string) (*Volume, error) {
	var v *Volume
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		v, err = scanVolume(tx.QueryRowContext(ctx, `SELECT `+volumeColumns+` FROM volumes WHERE name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return errdefs.NotFoundf("no volume with name %q found", name)
		}
		if err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
		users, err := volumeUsers(ctx, tx, name)
		if err != nil {
			return err
		}
		if ids := users[name]; len(ids) > 0 {
			return volumeInUse(name, ids)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM volumes WHERE name = ?`, name); err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// PruneVolumes deletes, in one transaction, the rows of every volume no
// container uses for which match (nil: all) is true, and returns them,
// oldest first. match runs inside the transaction: it must not touch the DB.
func (db *DB) PruneVolumes(ctx context.Context, match func(*Volume) bool) ([]*Volume, error) {
	var pruned []*Volume
	err := db.write(ctx, func(tx *sql.Tx) error {
		pruned = nil
		unused, err := queryVolumes(ctx, tx, `SELECT `+volumeColumns+` FROM volumes
			WHERE name NOT IN (SELECT volume FROM volume_users) ORDER BY created_at, name`)
		if err != nil {
			return err
		}
		for _, v := range unused {
			if match != nil && !match(v) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM volumes WHERE name = ?`, v.Name); err != nil {
				return fmt.Errorf("prune volume %s: %w", v.Name, err)
			}
			pruned = append(pruned, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pruned, nil
}

// MarkVolumeUsed records that the volume's first use (the copy-up) is done.
// A missing volume is errdefs.ErrNotFound.
func (db *DB) MarkVolumeUsed(ctx context.Context, name string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE volumes SET needs_copy_up = 0 WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("update volume %s: %w", name, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update volume %s: %w", name, err)
		} else if n == 0 {
			return errdefs.NotFoundf("no volume with name %q found", name)
		}
		return nil
	})
}

// insertUses records that containerID uses each volume in names (a name
// twice is recorded once). A volume that does not exist is
// errdefs.ErrNotFound.
func insertUses(ctx context.Context, tx *sql.Tx, containerID string, names []string) error {
	for _, name := range names {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM volumes WHERE name = ?`, name).Scan(&n); err != nil {
			return fmt.Errorf("look up volume %s: %w", name, err)
		}
		if n == 0 {
			return errdefs.NotFoundf("no volume with name %q found", name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO volume_users (volume, container_id) VALUES (?, ?)`,
			name, containerID); err != nil {
			return fmt.Errorf("record use of volume %s: %w", name, err)
		}
	}
	return nil
}
