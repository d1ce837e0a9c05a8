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

// A pod is a group of containers that share namespaces, held by its infra
// container. The contracts a caller may rely on:
//
//   - A pod and its infra container are added in one transaction (AddPod):
//     no process ever sees one without the other.
//   - A pod being made carries its maker's process tag (Creator) until
//     PodCreated clears it; a pod whose maker died mid-create is what
//     HalfPods returns, for the engine to remove.
//   - A container joins a pod (Add with PodID) only while the pod row exists,
//     and RemovePod refuses while any container still belongs to the pod,
//     both checked inside the write transaction: a container never belongs
//     to a pod that is gone.
//   - Pod names are unique among pods (containers have their own names).

const schemaPods = `
CREATE TABLE pods (
	id         TEXT PRIMARY KEY NOT NULL,
	name       TEXT NOT NULL UNIQUE,
	infra_id   TEXT NOT NULL DEFAULT '',
	labels     TEXT NOT NULL DEFAULT '',
	config     BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	creator    TEXT NOT NULL DEFAULT ''
);
ALTER TABLE containers ADD COLUMN pod_id TEXT NOT NULL DEFAULT '';
CREATE INDEX containers_pod_id ON containers (pod_id);
`

// Pod is one pod's row. Config is the engine's JSON (engine.PodConfig);
// state never parses it.
type Pod struct {
	ID, Name  string
	InfraID   string            // "" for a pod made without an infra container
	Labels    map[string]string // nil when none
	Config    []byte
	CreatedAt time.Time
	// Creator is the process tag (detach.Tag) of the pod create still in
	// progress; "" once the pod is made.
	Creator string
}

const podColumns = `id, name, infra_id, labels, config, created_at, creator`

func scanPod(s scanner) (*Pod, error) {
	var (
		p       Pod
		labels  string
		created int64
	)
	if err := s.Scan(&p.ID, &p.Name, &p.InfraID, &labels, &p.Config, &created, &p.Creator); err != nil {
		return nil, err
	}
	if err := decodeLabels(labels, &p.Labels); err != nil {
		return nil, fmt.Errorf("pod %s: %w", p.ID, err)
	}
	p.CreatedAt = fromNanos(created)
	return &p, nil
}

// AddPod records a new pod and, when infra is not nil, its infra container
// (whose PodID is set to p.ID and ID becomes p.InfraID), in one
// transaction. A zero CreatedAt is set to now. A taken pod name is
// errdefs.ErrAlreadyExists; a bad name or ID errdefs.ErrInvalidArg.
func (db *DB) AddPod(ctx context.Context, p *Pod, infra *Container) error {
	if !isID(p.ID) {
		return errdefs.InvalidArgumentf("invalid pod ID %q: want 64 lowercase hex characters", p.ID)
	}
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	labels, err := encodeLabels(p.Labels)
	if err != nil {
		return err
	}
	var infraLabels string
	if infra != nil {
		if !isID(infra.ID) {
			return errdefs.InvalidArgumentf("invalid container ID %q: want 64 lowercase hex characters", infra.ID)
		}
		if err := ValidateName(infra.Name); err != nil {
			return err
		}
		if infra.Status == "" {
			infra.Status = StatusCreated
		}
		if infra.CreatedAt.IsZero() {
			infra.CreatedAt = p.CreatedAt
		}
		if infraLabels, err = encodeLabels(infra.Labels); err != nil {
			return err
		}
		infra.PodID = p.ID
		p.InfraID = infra.ID
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var holder string
		err := tx.QueryRowContext(ctx, `SELECT id FROM pods WHERE name = ?1 OR id = ?2`, p.Name, p.ID).Scan(&holder)
		switch {
		case err == nil:
			if holder == p.ID {
				return errdefs.AlreadyExistsf("a pod with ID %s already exists", p.ID)
			}
			return errdefs.AlreadyExistsf("the pod name %q is already in use by %s", p.Name, holder)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("add pod %s: %w", p.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pods (`+podColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.InfraID, labels, configBytes(p.Config), toNanos(p.CreatedAt), p.Creator); err != nil {
			return fmt.Errorf("add pod %s: %w", p.Name, err)
		}
		if infra != nil {
			return insertContainer(ctx, tx, infra, infraLabels)
		}
		return nil
	})
}

// PodCreated marks the pod with ID id as made: it is no longer a half pod.
func (db *DB) PodCreated(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pods SET creator = '' WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("record pod %s made: %w", id, err)
		}
		return mustAffect(res, "pod", id)
	})
}

// UpdatePodConfig replaces the pod's config.
func (db *DB) UpdatePodConfig(ctx context.Context, id string, config []byte) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pods SET config = ? WHERE id = ?`, configBytes(config), id)
		if err != nil {
			return fmt.Errorf("update pod %s: %w", id, err)
		}
		return mustAffect(res, "pod", id)
	})
}

// podJoinable checks, inside tx, that a container may join pod id: it
// exists and is made.
func podJoinable(ctx context.Context, tx *sql.Tx, id string) error {
	var creator string
	err := tx.QueryRowContext(ctx, `SELECT creator FROM pods WHERE id = ?`, id).Scan(&creator)
	if errors.Is(err, sql.ErrNoRows) {
		return errdefs.NotFoundf("no pod with ID %q found", id)
	}
	if err != nil {
		return fmt.Errorf("look up pod %s: %w", id, err)
	}
	if creator != "" {
		return errdefs.Conflictf("pod %s is still being created", id)
	}
	return nil
}

// GetPod finds a pod by full ID, exact name or unique ID prefix, as Get
// finds containers. Nothing found is errdefs.ErrNotFound; a prefix of
// several IDs errdefs.ErrInvalidArg.
func (db *DB) GetPod(ctx context.Context, idOrName string) (*Pod, error) {
	key := idOrName
	if key == "" {
		return nil, errdefs.InvalidArgumentf("empty pod name or ID")
	}
	p, n, err := lookupRow(ctx, db.conn(), "pods", podColumns, key, scanPod)
	switch {
	case err != nil:
		return nil, fmt.Errorf("look up pod %q: %w", idOrName, err)
	case n == 1:
		return p, nil
	case n > 1:
		return nil, errdefs.InvalidArgumentf("several pods have IDs starting with %q: give more characters of the ID, or the name", key)
	}
	return nil, errdefs.NotFoundf("no pod with name or ID %s found: no such pod", idOrName)
}

// ListPods returns every pod, newest first.
func (db *DB) ListPods(ctx context.Context) ([]*Pod, error) {
	rows, err := db.conn().QueryContext(readCtx(ctx), `SELECT `+podColumns+` FROM pods
		ORDER BY created_at DESC, rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	out, err := scanRows(ctx, rows, scanPod)
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	return out, nil
}

// PodContainers returns the containers of pod id, newest first, the infra
// container among them.
func (db *DB) PodContainers(ctx context.Context, id string) ([]*Container, error) {
	rows, err := db.conn().QueryContext(readCtx(ctx), `SELECT `+columns+` FROM containers
		WHERE pod_id = ? ORDER BY created_at DESC, rowid DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("list the containers of pod %s: %w", id, err)
	}
	out, err := scanRows(ctx, rows, scan)
	if err != nil {
		return nil, fmt.Errorf("list the containers of pod %s: %w", id, err)
	}
	return out, nil
}

// RemovePod deletes the pod's row. While any container still belongs to
// it, that is errdefs.ErrConflict naming them; a missing pod is
// errdefs.ErrNotFound.
func (db *DB) RemovePod(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name FROM containers WHERE pod_id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove pod %s: %w", id, err)
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return fmt.Errorf("remove pod %s: %w", id, err)
			}
			names = append(names, n)
		}
		rows.Close()
		if len(names) > 0 {
			return errdefs.Conflictf("pod %s still has containers: %s", id, strings.Join(names, ", "))
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM pods WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove pod %s: %w", id, err)
		}
		return mustAffect(res, "pod", id)
	})
}

func decodeLabels(s string, into *map[string]string) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), into); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	return nil
}
