package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// MaxEvents is how many events the DB keeps: older ones are trimmed as new
// ones arrive, as podman rotates its events log, so the table never grows
// without bound on a busy host.
const MaxEvents = 10000

// trimEvery is how often (in inserted rows) the old events are trimmed: a
// DELETE on every insert would double the cost of recording one.
const trimEvery = 100

// schemaEvents holds the event log. seq only grows (rows are trimmed from
// the low end only), so a follower reads "seq > last seen" and misses
// nothing. exit_code is NULL except for a container's "died".
const schemaEvents = `
CREATE TABLE events (
	seq        INTEGER PRIMARY KEY,
	time       INTEGER NOT NULL,
	type       TEXT NOT NULL,
	action     TEXT NOT NULL,
	actor_id   TEXT NOT NULL DEFAULT '',
	name       TEXT NOT NULL DEFAULT '',
	image      TEXT NOT NULL DEFAULT '',
	network    TEXT NOT NULL DEFAULT '',
	exit_code  INTEGER,
	attributes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_time ON events (time);
`

// Event is one recorded step of an object's life.
type Event struct {
	Seq        int64 // order of recording; set by AddEvent
	Time       time.Time
	Type       string // container, image, volume, network
	Action     string // create, start, died, pull, ...
	ActorID    string // container, image or network ID; volume name
	Name       string
	Image      string // a container's image
	Network    string // a network event's network name
	ExitCode   *int   // a container's "died"
	Attributes map[string]string
}

// AddEvent records e with one INSERT (and, every trimEvery rows, a DELETE
// of what is past MaxEvents) in one short write transaction.
func (db *DB) AddEvent(ctx context.Context, e *Event) error {
	var attrs string
	if len(e.Attributes) > 0 {
		b, err := json.Marshal(e.Attributes)
		if err != nil {
			return fmt.Errorf("record event: %w", err)
		}
		attrs = string(b)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO events
			(time, type, action, actor_id, name, image, network, exit_code, attributes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Time.UnixNano(), e.Type, e.Action, e.ActorID, e.Name, e.Image, e.Network, e.ExitCode, attrs)
		if err != nil {
			return fmt.Errorf("record event %s %s: %w", e.Type, e.Action, err)
		}
		if e.Seq, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("record event %s %s: %w", e.Type, e.Action, err)
		}
		if e.Seq%trimEvery == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE seq <= ?`, e.Seq-MaxEvents); err != nil {
				return fmt.Errorf("trim events: %w", err)
			}
		}
		return nil
	})
}

// EventQuery selects events: those recorded after AfterSeq, at or after
// Since and at or before Until (zero times are no bound), oldest first.
type EventQuery struct {
	AfterSeq     int64
	Since, Until time.Time
}

// Events returns the events q selects, oldest first.
func (db *DB) Events(ctx context.Context, q EventQuery) ([]*Event, error) {
	query := `SELECT seq, time, type, action, actor_id, name, image, network, exit_code, attributes
		FROM events WHERE seq > ?`
	args := []any{q.AfterSeq}
	if !q.Since.IsZero() {
		query += ` AND time >= ?`
		args = append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		query += ` AND time <= ?`
		args = append(args, q.Until.UnixNano())
	}
	query += ` ORDER BY seq`
	rows, err := db.conn().QueryContext(readCtx(ctx), query, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		var (
			e     Event
			ns    int64
			exit  sql.NullInt64
			attrs string
		)
		if err := rows.Scan(&e.Seq, &ns, &e.Type, &e.Action, &e.ActorID, &e.Name, &e.Image, &e.Network, &exit, &attrs); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.Time = time.Unix(0, ns)
		if exit.Valid {
			code := int(exit.Int64)
			e.ExitCode = &code
		}
		if attrs != "" {
			if err := json.Unmarshal([]byte(attrs), &e.Attributes); err != nil {
				return nil, fmt.Errorf("read event %d: attributes: %w", e.Seq, err)
			}
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// LastEventSeq is the Seq of the newest event, 0 when there is none. A
// follower that should only see what comes next starts after it.
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	if err := db.conn().QueryRowContext(readCtx(ctx), `SELECT MAX(seq) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read events: %w", err)
	}
	return seq.Int64, nil
}
