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

// Status of a container as Docker names it.
type Status string

const (
	StatusCreated Status = "created"
	// StatusInitialized: the runtime created it (pod init), its process
	// waits for start.
	StatusInitialized Status = "initialized"
	StatusRunning     Status = "running"
	StatusPaused      Status = "paused"
	StatusStopping    Status = "stopping" // stop requested, not yet exited
	StatusExited      Status = "exited"
	StatusRemoving    Status = "removing"
)

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusCreated, StatusInitialized, StatusRunning, StatusPaused, StatusStopping, StatusExited, StatusRemoving:
		return true
	}
	return false
}

// Container is one container's row. Config is the engine's JSON
// (engine.ContainerConfig); state never parses it.
type Container struct {
	ID, Name           string
	ImageID, ImageName string
	Command            string            // for ps: the command line as shown
	Labels             map[string]string // duplicated out of Config so ps --filter label= needs no JSON parse; nil when none
	Config             []byte
	CreatedAt          time.Time
	Status             Status
	PID, MonitorPID    int
	ExitCode           int
	OOMKilled          bool
	StartedAt          time.Time // zero = never
	FinishedAt         time.Time // zero = never
	RestartCount       int
	StoppedByUser      bool // for restart policies (a stop/kill by the user is not a failure to restart)
	// Networks, given to Add, are recorded as the container's attachment
	// rows in the same transaction (see SetAttachments); Get and List do
	// not fill it in.
	Networks []Attachment
	// PodID is the pod the container belongs to, "" for none. It is set
	// by Add (or AddPod, for the infra container) and never changes.
	PodID string
}

// columns is the containers table in the order scan reads it.
const columns = `id, name, image_id, image_name, command, labels, config, created_at,
	status, pid, monitor_pid, exit_code, oom_killed, started_at, finished_at,
	restart_count, stopped_by_user, pod_id`

func scan(s scanner) (*Container, error) {
	var (
		c                          Container
		labels                     string
		created, started, finished int64
		oom, stopped               bool
		status                     string
	)
	err := s.Scan(&c.ID, &c.Name, &c.ImageID, &c.ImageName, &c.Command, &labels, &c.Config,
		&created, &status, &c.PID, &c.MonitorPID, &c.ExitCode, &oom, &started, &finished,
		&c.RestartCount, &stopped, &c.PodID)
	if err != nil {
		return nil, err
	}
	if err := decodeLabels(labels, &c.Labels); err != nil {
		return nil, fmt.Errorf("container %s: %w", c.ID, err)
	}
	c.Status = Status(status)
	c.CreatedAt = fromNanos(created)
	c.StartedAt = fromNanos(started)
	c.FinishedAt = fromNanos(finished)
	c.OOMKilled = oom
	c.StoppedByUser = stopped
	return &c, nil
}

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func encodeLabels(l map[string]string) (string, error) {
	if len(l) == 0 {
		return "", nil
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode labels: %w", err)
	}
	return string(b), nil
}

func configBytes(b []byte) []byte {
	if b == nil {
		return []byte{} // the column is NOT NULL
	}
	return b
}

// Add records a new container. A zero CreatedAt is set to now and an empty
// Status to StatusCreated, in c too. A taken name is errdefs.ErrAlreadyExists
// naming the container that holds it; a bad name or ID is
// errdefs.ErrInvalidArg.
func (db *DB) Add(ctx context.Context, c *Container) error {
	return db.AddWithVolumes(ctx, c, nil, nil)
}

// AddWithVolumes records a new container as Add does and, in the same
// transaction, first the volumes in create (new ones: a taken name is
// errdefs.ErrAlreadyExists), then that the container uses each volume in
// uses. A volume in uses that does not exist (any more: a `volume rm`
// committed first) is errdefs.ErrNotFound, and nothing is recorded.
func (db *DB) AddWithVolumes(ctx context.Context, c *Container, uses []string, create []*Volume) error {
	if !isID(c.ID) {
		return errdefs.InvalidArgumentf("invalid container ID %q: want 64 lowercase hex characters", c.ID)
	}
	if err := ValidateName(c.Name); err != nil {
		return err
	}
	if c.Status == "" {
		c.Status = StatusCreated
	}
	if !c.Status.Valid() {
		return errdefs.InvalidArgumentf("invalid container status %q", c.Status)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	labels, err := encodeLabels(c.Labels)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, v := range create {
			if err := insertVolume(ctx, tx, v); err != nil {
				return err
			}
		}
		if c.PodID != "" {
			if err := podJoinable(ctx, tx, c.PodID); err != nil {
				return err
			}
		}
		if err := insertContainer(ctx, tx, c, labels); err != nil {
			return err
		}
		return insertUses(ctx, tx, c.ID, uses)
	})
}

// insertContainer adds c's row inside tx, refusing a taken name or ID.
func insertContainer(ctx context.Context, tx *sql.Tx, c *Container, labels string) error {
	if holder, err := nameHolder(ctx, tx, c.Name); err != nil {
		return err
	} else if holder != "" {
		return nameInUse(c.Name, holder)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM containers WHERE id = ?`, c.ID).Scan(&n); err != nil {
		return fmt.Errorf("add container %s: %w", c.Name, err)
	}
	if n > 0 {
		return errdefs.AlreadyExistsf("a container with ID %s already exists", c.ID)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO containers (`+columns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.ImageID, c.ImageName, c.Command, labels, configBytes(c.Config),
		toNanos(c.CreatedAt), string(c.Status), c.PID, c.MonitorPID, c.ExitCode, c.OOMKilled,
		toNanos(c.StartedAt), toNanos(c.FinishedAt), c.RestartCount, c.StoppedByUser, c.PodID)
	if err != nil {
		return fmt.Errorf("add container %s: %w", c.Name, err)
	}
	if len(c.Networks) > 0 {
		return setAttachments(ctx, tx, c.ID, c.Networks)
	}
	return nil
}

func nameHolder(ctx context.Context, tx *sql.Tx, name string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM containers WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up container name %q: %w", name, err)
	}
	return id, nil
}

func nameInUse(name, holder string) error {
	return errdefs.AlreadyExistsf("the container name %q is already in use by %s. You have to remove (or rename) that container to be able to reuse that name",
		name, holder)
}

// Get finds a container by full ID, exact name, or unique ID prefix, in
// that order of precedence (as Docker does). A leading "/" is ignored, as
// Docker shows names with one. Nothing found is errdefs.ErrNotFound; a
// prefix matching several IDs is errdefs.ErrInvalidArg.
func (db *DB) Get(ctx context.Context, idOrName string) (*Container, error) {
	key := strings.TrimPrefix(idOrName, "/")
	if key == "" {
		return nil, errdefs.InvalidArgumentf("empty container name or ID")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("look up container %q: %w", idOrName, err)
	}
	c, n, err := lookupRow(ctx, db.conn(), "containers", columns, key, scan)
	switch {
	case err != nil:
		return nil, fmt.Errorf("look up container %q: %w", idOrName, err)
	case n == 1:
		return c, nil
	case n > 1:
		return nil, errdefs.InvalidArgumentf("%d containers have IDs starting with %q: give more characters of the ID, or the name", n, key)
	}
	return nil, errdefs.NotFoundf("no container with name or ID %q found", idOrName)
}

// List returns every container, newest first, in one query.
func (db *DB) List(ctx context.Context) ([]*Container, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	return listContainers(ctx, db.conn())
}

// listContainers lists every container, newest first, through q (the DB or
// a transaction).
func listContainers(ctx context.Context, q rowsQuerier) ([]*Container, error) {
	rows, err := q.QueryContext(readCtx(ctx), `SELECT `+columns+` FROM containers
		ORDER BY created_at DESC, rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out, err := scanRows(ctx, rows, scan)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	return out, nil
}

// Update writes every mutable field of c (Status, PID, MonitorPID,
// ExitCode, OOMKilled, StartedAt, FinishedAt, RestartCount, StoppedByUser,
// Config) to the row with c.ID. ID, Name (see Rename), image, command,
// labels and CreatedAt are not written. A row that is gone is
// errdefs.ErrNotFound.
func (db *DB) Update(ctx context.Context, c *Container) error {
	if !c.Status.Valid() {
		return errdefs.InvalidArgumentf("invalid container status %q", c.Status)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE containers SET
			status = ?, pid = ?, monitor_pid = ?, exit_code = ?, oom_killed = ?,
			started_at = ?, finished_at = ?, restart_count = ?, stopped_by_user = ?, config = ?
			WHERE id = ?`,
			string(c.Status), c.PID, c.MonitorPID, c.ExitCode, c.OOMKilled,
			toNanos(c.StartedAt), toNanos(c.FinishedAt), c.RestartCount, c.StoppedByUser,
			configBytes(c.Config), c.ID)
		if err != nil {
			return fmt.Errorf("update container %s: %w", c.ID, err)
		}
		return mustAffect(res, "container", c.ID)
	})
}

// Rename gives the container with ID id the name newName. A name held by
// another container is errdefs.ErrAlreadyExists; the container's own name,
// or a bad name, is errdefs.ErrInvalidArg; a missing container is
// errdefs.ErrNotFound.
func (db *DB) Rename(ctx context.Context, id, newName string) error {
	if err := ValidateName(newName); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		holder, err := nameHolder(ctx, tx, newName)
		if err != nil {
			return err
		}
		if holder == id {
			return errdefs.InvalidArgumentf("container %s is already named %q", id, newName)
		}
		if holder != "" {
			return nameInUse(newName, holder)
		}
		res, err := tx.ExecContext(ctx, `UPDATE containers SET name = ? WHERE id = ?`, newName, id)
		if err != nil {
			return fmt.Errorf("rename container %s: %w", id, err)
		}
		return mustAffect(res, "container", id)
	})
}

// Remove deletes the row of the container with ID id, and with it (ON
// DELETE CASCADE) its uses of volumes. A missing container is
// errdefs.ErrNotFound.
func (db *DB) Remove(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM containers WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove container %s: %w", id, err)
		}
		return mustAffect(res, "container", id)
	})
}
