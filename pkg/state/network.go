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

// schemaNetworks holds the networks and which container is attached to
// which. A network's definition is the network package's JSON (state never
// parses it). An attachment row exists for as long as the container is
// configured to use the network, running or not; addresses is the JSON list
// of the addresses (CIDR) its current run holds there, "" when it does not
// run. The foreign keys make the in-use check of `network rm` the database's
// own: a network with attachment rows cannot be deleted, an attachment to a
// network that is gone cannot be written, and removing a container removes
// its attachments.
const schemaNetworks = `
CREATE TABLE networks (
	name       TEXT PRIMARY KEY NOT NULL,
	id         TEXT NOT NULL UNIQUE,
	driver     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	config     BLOB NOT NULL
);
CREATE TABLE network_attachments (
	container_id TEXT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
	network      TEXT NOT NULL REFERENCES networks (name),
	interface    TEXT NOT NULL DEFAULT '',
	addresses    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (container_id, network)
);
CREATE INDEX network_attachments_network ON network_attachments (network);
`

// Network is one network's row. Config is the network package's JSON.
type Network struct {
	Name, ID, Driver string
	CreatedAt        time.Time
	Config           []byte
}

// Attachment is one container's use of one network.
type Attachment struct {
	ContainerID string
	Network     string
	Interface   string
	// Addresses are what the container's current run holds on the
	// network (CIDR notation); nil when it does not run.
	Addresses []string
}

// metaNetworksImported marks a DB whose networks were imported from the
// files of the layout before networks were rows (see ImportNetworks).
const metaNetworksImported = "networks_imported"

// AddNetwork records a new network. A taken name is ErrAlreadyExists.
func (db *DB) AddNetwork(ctx context.Context, n *Network) error {
	return db.write(ctx, func(tx *sql.Tx) error { return addNetwork(ctx, tx, n) })
}

func addNetwork(ctx context.Context, tx *sql.Tx, n *Network) error {
	var c int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM networks WHERE name = ?`, n.Name).Scan(&c); err != nil {
		return fmt.Errorf("add network %s: %w", n.Name, err)
	}
	if c > 0 {
		return errdefs.AlreadyExistsf("network name %s already used: network already exists", n.Name)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO networks (name, id, driver, created_at, config) VALUES (?, ?, ?, ?, ?)`,
		n.Name, n.ID, n.Driver, toNanos(n.CreatedAt), configBytes(n.Config))
	if err != nil {
		return fmt.Errorf("add network %s: %w", n.Name, err)
	}
	return nil
}

// EnsureNetwork records n unless a network of that name exists, and returns
// the one recorded: for the default network, written on first use by
// whichever process gets there first.
func (db *DB) EnsureNetwork(ctx context.Context, n *Network) (*Network, error) {
	var out *Network
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO networks (name, id, driver, created_at, config) VALUES (?, ?, ?, ?, ?)`,
			n.Name, n.ID, n.Driver, toNanos(n.CreatedAt), configBytes(n.Config))
		if err != nil {
			return fmt.Errorf("add network %s: %w", n.Name, err)
		}
		out, err = scanNetwork(tx.QueryRowContext(ctx, `SELECT name, id, driver, created_at, config FROM networks WHERE name = ?`, n.Name))
		return err
	})
	return out, err
}

func scanNetwork(s scanner) (*Network, error) {
	var n Network
	var created int64
	if err := s.Scan(&n.Name, &n.ID, &n.Driver, &created, &n.Config); err != nil {
		return nil, err
	}
	n.CreatedAt = fromNanos(created)
	return &n, nil
}

// GetNetwork finds a network by exact name; none is ErrNotFound.
func (db *DB) GetNetwork(ctx context.Context, name string) (*Network, error) {
	n, err := scanNetwork(db.conn().QueryRowContext(readCtx(ctx),
		`SELECT name, id, driver, created_at, config FROM networks WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errdefs.NotFoundf("network %s not found", name)
	}
	if err != nil {
		return nil, fmt.Errorf("look up network %s: %w", name, err)
	}
	return n, nil
}

// Networks returns every network, sorted by name.
func (db *DB) Networks(ctx context.Context) ([]*Network, error) {
	rows, err := db.conn().QueryContext(readCtx(ctx), `SELECT name, id, driver, created_at, config FROM networks ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	out, err := scanRows(ctx, rows, scanNetwork)
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	return out, nil
}

// NetworkUsers names the containers attached to network, sorted.
func (db *DB) NetworkUsers(ctx context.Context, network string) ([]string, error) {
	return networkUsers(readCtx(ctx), db.conn(), network)
}

func networkUsers(ctx context.Context, q rowsQuerier, network string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.name FROM network_attachments a
		JOIN containers c ON c.id = a.container_id WHERE a.network = ? ORDER BY c.name`, network)
	if err != nil {
		return nil, fmt.Errorf("users of network %s: %w", network, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("users of network %s: %w", network, err)
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// RemoveNetwork deletes a network that no container is attached to: the
// check and the delete are one transaction, so a container created
// meanwhile either made the network in use (ErrConflict naming the users)
// or fails to attach to the missing network. A missing network is
// ErrNotFound.
func (db *DB) RemoveNetwork(ctx context.Context, name string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		users, err := networkUsers(ctx, tx, name)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return errdefs.Conflictf("network %s is in use by %d container(s) (%s): use -f to remove them too",
				name, len(users), strings.Join(users, ", "))
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM networks WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("remove network %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errdefs.NotFoundf("network %s not found", name)
		}
		return nil
	})
}

// SetAttachments makes the container's attachment rows exactly atts (their
// Addresses are kept where a row stays): for create, connect and
// disconnect. An attachment to a network that does not exist is
// ErrNotFound, and nothing is changed.
func (db *DB) SetAttachments(ctx context.Context, containerID string, atts []Attachment) error {
	return db.write(ctx, func(tx *sql.Tx) error { return setAttachments(ctx, tx, containerID, atts) })
}

func setAttachments(ctx context.Context, tx *sql.Tx, containerID string, atts []Attachment) error {
	keep := make([]any, 0, len(atts)+1)
	keep = append(keep, containerID)
	marks := make([]string, 0, len(atts))
	for _, a := range atts {
		var ok int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM networks WHERE name = ?`, a.Network).Scan(&ok); err != nil {
			return fmt.Errorf("attach %s to network %s: %w", containerID, a.Network, err)
		}
		if ok == 0 {
			return errdefs.NotFoundf("network %s not found", a.Network)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO network_attachments (container_id, network, interface) VALUES (?, ?, ?)
			ON CONFLICT (container_id, network) DO UPDATE SET interface = excluded.interface`,
			containerID, a.Network, a.Interface)
		if err != nil {
			return fmt.Errorf("attach %s to network %s: %w", containerID, a.Network, err)
		}
		keep = append(keep, a.Network)
		marks = append(marks, "?")
	}
	q := `DELETE FROM network_attachments WHERE container_id = ?`
	if len(marks) > 0 {
		q += ` AND network NOT IN (` + strings.Join(marks, ", ") + `)`
	}
	if _, err := tx.ExecContext(ctx, q, keep...); err != nil {
		return fmt.Errorf("detach %s: %w", containerID, err)
	}
	return nil
}

// SetAttachmentAddresses records the addresses the container's run holds
// on each network of addrs (network name → CIDRs); a nil addrs clears
// every attachment's addresses (the run ended).
func (db *DB) SetAttachmentAddresses(ctx context.Context, containerID string, addrs map[string][]string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if addrs == nil {
			_, err := tx.ExecContext(ctx, `UPDATE network_attachments SET addresses = '' WHERE container_id = ?`, containerID)
			if err != nil {
				return fmt.Errorf("addresses of %s: %w", containerID, err)
			}
			return nil
		}
		for net, a := range addrs {
			b, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE network_attachments SET addresses = ? WHERE container_id = ? AND network = ?`,
				string(b), containerID, net); err != nil {
				return fmt.Errorf("addresses of %s: %w", containerID, err)
			}
		}
		return nil
	})
}

// Attachments lists the attachments of a container ("" for every
// container's), ordered by container and network.
func (db *DB) Attachments(ctx context.Context, containerID string) ([]Attachment, error) {
	q := `SELECT container_id, network, interface, addresses FROM network_attachments`
	var args []any
	if containerID != "" {
		q += ` WHERE container_id = ?`
		args = append(args, containerID)
	}
	rows, err := db.conn().QueryContext(readCtx(ctx), q+` ORDER BY container_id, network`, args...)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var addrs string
		if err := rows.Scan(&a.ContainerID, &a.Network, &a.Interface, &addrs); err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		if addrs != "" {
			if err := json.Unmarshal([]byte(addrs), &a.Addresses); err != nil {
				return nil, fmt.Errorf("attachment of %s to %s: %w", a.ContainerID, a.Network, err)
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ImportNetworks runs once per DB: the first caller's load, under the write
// lock, returns the networks and attachments kept outside the DB by the
// layout before networks were rows, and they are recorded; every later
// call (in this process or another, concurrent or not) does nothing.
// Attachments of containers that no longer exist are skipped.
func (db *DB) ImportNetworks(ctx context.Context, load func() ([]*Network, []Attachment, error)) error {
	return db.importOnce(ctx, metaNetworksImported, "networks", func(tx *sql.Tx) error {
		nets, atts, err := load()
		if err != nil {
			return fmt.Errorf("import networks: %w", err)
		}
		for _, nw := range nets {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO networks (name, id, driver, created_at, config) VALUES (?, ?, ?, ?, ?)`,
				nw.Name, nw.ID, nw.Driver, toNanos(nw.CreatedAt), configBytes(nw.Config)); err != nil {
				return fmt.Errorf("import network %s: %w", nw.Name, err)
			}
		}
		for _, a := range atts {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO network_attachments (container_id, network, interface)
				SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM containers WHERE id = ?) AND EXISTS (SELECT 1 FROM networks WHERE name = ?)`,
				a.ContainerID, a.Network, a.Interface, a.ContainerID, a.Network); err != nil {
				return fmt.Errorf("import attachment of %s to %s: %w", a.ContainerID, a.Network, err)
			}
		}
		return nil
	})
}
