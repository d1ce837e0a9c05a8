package network

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/state"
)

// pod owns the address allocation of its networks, as podman's netavark
// owns its own: one SQLite DB of leases, not the host-local plugin's files.
// As root it is machine-wide (DefaultIPAMDB), because bridges are: every pod
// installation (--root) on the host shares the default bridge pod0, and
// must not hand out an address another already gave. Rootless the networks
// live in the user's namespace and the DB in the run root.
//
// A lease is one address of one pool (a bridge, or a macvlan/ipvlan
// parent) held by one interface of one container of one installation (the
// state DB's path). Leasing and releasing are transactions; the DB forgets
// every lease when the host was rebooted since it last wrote (its boot id),
// as it would on a /run that is a tmpfs. Leases that a crash left (pod
// killed between leasing and recording the container's run) are given back
// by the teardown that repairs the run, by container ID; Holders lists the
// containers holding leases, for the engine's sweep of containers that no
// longer run or exist.
//
// Older pods leased in host-local's files (Paths.IPAMDir/NETWORK, one file
// per address): an address leased there is never handed out, and a
// container's files are removed when it is torn down, so that containers
// started before an upgrade keep their addresses and give them back.

// DefaultIPAMDB is the machine-wide lease DB of pod running as root.
const DefaultIPAMDB = "/run/pod/networks/ipam.db"

// defaultLegacyLeaseDir is host-local's default data directory.
const defaultLegacyLeaseDir = "/var/lib/cni/networks"

const schemaIPAM = `
CREATE TABLE leases (
	pool         TEXT NOT NULL,
	address      TEXT NOT NULL,
	owner        TEXT NOT NULL,
	container_id TEXT NOT NULL,
	network      TEXT NOT NULL,
	interface    TEXT NOT NULL,
	PRIMARY KEY (pool, address)
);
CREATE INDEX leases_container ON leases (container_id, network);
CREATE TABLE cursors (
	pool   TEXT NOT NULL,
	subnet TEXT NOT NULL,
	last   TEXT NOT NULL,
	PRIMARY KEY (pool, subnet)
);
CREATE TABLE meta (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
);
`

// ipam is an open lease DB.
type ipam struct {
	db     *sql.DB
	owner  string // this installation: its state DB's path
	legacy string // host-local's data directory
}

// openIPAM opens (creating, migrating and, after a reboot, emptying) the
// lease DB. Opening takes turns under a lock file beside it: turning a new
// file into a WAL database is not covered by SQLite's busy handler.
func (m *Manager) openIPAM(ctx context.Context) (*ipam, error) {
	path := m.paths.IPAMDB
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open lease DB: %w", err)
	}
	l, err := lock.Acquire(ctx, path+".lock")
	if err != nil {
		return nil, fmt.Errorf("open lease DB: %w", err)
	}
	defer l.Release()
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open lease DB %s: %w", path, err)
	}
	ip := &ipam{db: db, owner: m.db.Path(), legacy: m.paths.IPAMDir}
	if ip.legacy == "" {
		ip.legacy = defaultLegacyLeaseDir
	}
	if err := ip.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open lease DB %s: %w", path, err)
	}
	return ip, nil
}

func (ip *ipam) Close() error { return ip.db.Close() }

// prepare creates the schema of a new DB and forgets the leases of an
// earlier boot.
func (ip *ipam) prepare(ctx context.Context) error {
	boot, err := state.BootID()
	if err != nil {
		return err
	}
	// The common case, a current DB of this boot, is two reads and takes
	// no write lock.
	var v int
	var last string
	if err := ip.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v == 1 && ip.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'boot_id'`).Scan(&last) == nil && last == boot {
		return nil
	}
	return ip.tx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			return err
		}
		switch v {
		case 0:
			if _, err := tx.ExecContext(ctx, schemaIPAM+`PRAGMA user_version = 1;`); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		case 1:
		default:
			return fmt.Errorf("schema version %d is newer than this pod understands (1)", v)
		}
		var last string
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'boot_id'`).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if last == boot {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM leases`); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('boot_id', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, boot)
		return err
	})
}

func (ip *ipam) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := ip.db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// poolOf names the address space n's leases are taken from: the link its
// containers share.
func poolOf(n *Network) string { return n.Driver + ":" + n.NetworkInterface }

// leaseRange is the part of a subnet leases are taken from: the subnet's
// first host address to its last (for IPv4, the one before broadcast),
// narrowed by --ip-range, never the gateway.
type leaseRange struct {
	subnet     netip.Prefix
	start, end netip.Addr
	gateway    netip.Addr
}

func rangeOf(s Subnet) (leaseRange, error) {
	p, err := netip.ParsePrefix(s.Subnet)
	if err != nil {
		return leaseRange{}, fmt.Errorf("subnet %q: %w", s.Subnet, err)
	}
	p = p.Masked()
	r := leaseRange{subnet: p, start: p.Addr().Next(), end: lastAddr(p)}
	if p.Addr().Is4() {
		r.end = r.end.Prev()
	}
	if s.Gateway != "" {
		r.gateway, _ = netip.ParseAddr(s.Gateway)
	}
	if s.LeaseRange != nil {
		if a, err := netip.ParseAddr(s.LeaseRange.StartIP); err == nil {
			r.start = a
		}
		if a, err := netip.ParseAddr(s.LeaseRange.EndIP); err == nil {
			r.end = a
		}
	}
	return r, nil
}

// acquire leases one address of each subnet of n to the container's
// interface, in one transaction: want when it lies in that subnet, else the
// next free one after the last handed out (round robin, so that a released
// address is not at once another container's while neighbours still cache
// its MAC). It returns the addresses in the order of n.Subnets. A lease the
// same interface holds already is kept.
func (ip *ipam) acquire(ctx context.Context, n *Network, id, ifName string, wants ...netip.Addr) ([]netip.Addr, error) {
	pool := poolOf(n)
	legacy := ip.legacyTaken(n.Name, id)
	var got []netip.Addr
	err := ip.tx(ctx, func(tx *sql.Tx) error {
		got = got[:0]
		for _, s := range n.Subnets {
			r, err := rangeOf(s)
			if err != nil {
				return err
			}
			// The static address of this subnet's family (--ip, --ip6).
			var want netip.Addr
			for _, w := range wants {
				if w.IsValid() && r.subnet.Contains(w) {
					want = w
				}
			}
			a, err := ip.acquireOne(ctx, tx, pool, n.Name, r, id, ifName, want, legacy)
			if err != nil {
				return err
			}
			got = append(got, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", n.Name, err)
	}
	return got, nil
}

func (ip *ipam) acquireOne(ctx context.Context, tx *sql.Tx, pool, network string, r leaseRange, id, ifName string, want netip.Addr, legacy map[netip.Addr]bool) (netip.Addr, error) {
	taken := map[netip.Addr]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT address, owner, container_id, interface FROM leases WHERE pool = ?`, pool)
	if err != nil {
		return netip.Addr{}, err
	}
	for rows.Next() {
		var addr, owner, cid, iface string
		if err := rows.Scan(&addr, &owner, &cid, &iface); err != nil {
			rows.Close()
			return netip.Addr{}, err
		}
		a, err := netip.ParseAddr(addr)
		if err != nil || !r.subnet.Contains(a) {
			continue
		}
		if owner == ip.owner && cid == id && iface == ifName && (!want.IsValid() || want == a) {
			rows.Close()
			return a, nil // held already
		}
		taken[a] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return netip.Addr{}, err
	}
	insert := func(a netip.Addr) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO leases (pool, address, owner, container_id, network, interface) VALUES (?, ?, ?, ?, ?, ?)`,
			pool, a.String(), ip.owner, id, network, ifName)
		return err
	}
	if want.IsValid() && r.subnet.Contains(want) {
		if taken[want] || legacy[want] || want == r.gateway {
			return want, errdefs.Conflictf("requested IP address %s is already allocated", want)
		}
		return want, insert(want)
	}
	if r.end.Less(r.start) {
		return netip.Addr{}, invalidf("empty address range %s-%s", r.start, r.end)
	}
	advance := func(a netip.Addr) netip.Addr {
		if a == r.end {
			return r.start
		}
		return a.Next()
	}
	first := r.start
	var last string
	err = tx.QueryRowContext(ctx, `SELECT last FROM cursors WHERE pool = ? AND subnet = ?`, pool, r.subnet.String()).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return netip.Addr{}, err
	}
	if a, err := netip.ParseAddr(last); err == nil && !a.Less(r.start) && !r.end.Less(a) {
		first = advance(a)
	}
	for cur := first; ; {
		if cur != r.gateway && !taken[cur] && !legacy[cur] {
			if err := insert(cur); err != nil {
				return cur, err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO cursors (pool, subnet, last) VALUES (?, ?, ?)
				ON CONFLICT (pool, subnet) DO UPDATE SET last = excluded.last`, pool, r.subnet.String(), cur.String())
			return cur, err
		}
		if cur = advance(cur); cur == first {
			break
		}
	}
	return netip.Addr{}, errdefs.Conflictf("no free address in %s-%s of %s", r.start, r.end, r.subnet)
}

// release gives back the leases of the container on network, and any an
// older pod took for it in host-local's files.
func (ip *ipam) release(ctx context.Context, network, id string) error {
	err := ip.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE owner = ? AND container_id = ? AND network = ?`, ip.owner, id, network)
		return err
	})
	if err != nil {
		return fmt.Errorf("release the addresses of %s on network %s: %w", id, network, err)
	}
	return ip.releaseLegacy(network, id)
}

// holders are the containers of this installation holding leases.
func (ip *ipam) holders(ctx context.Context) ([]string, error) {
	rows, err := ip.db.QueryContext(ctx, `SELECT DISTINCT container_id FROM leases WHERE owner = ?`, ip.owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// legacyTaken are the addresses of network leased in host-local's files
// to containers other than id.
func (ip *ipam) legacyTaken(network, id string) map[netip.Addr]bool {
	dir := filepath.Join(ip.legacy, network)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[netip.Addr]bool{}
	for _, e := range entries {
		a, err := netip.ParseAddr(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && legacyOwner(b) == id {
			continue
		}
		out[a] = true
	}
	return out
}

// legacyOwner is the container ID of a host-local lease file ("ID\r\nIFNAME",
// or the ID alone in the oldest plugins).
func legacyOwner(b []byte) string {
	id, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\r\n")
	return id
}

// releaseLegacy removes the container's host-local lease files of network.
func (ip *ipam) releaseLegacy(network, id string) error {
	dir := filepath.Join(ip.legacy, network)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var errs []error
	for _, e := range entries {
		if _, err := netip.ParseAddr(e.Name()); err != nil {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if b, err := os.ReadFile(p); err == nil && legacyOwner(b) == id {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("release lease %s: %w", e.Name(), err))
			}
		}
	}
	return errors.Join(errs...)
}

// LeaseHolders lists the containers of this installation that hold
// addresses: the engine gives back those of containers that no longer run
// or exist (a crash between leasing and recording the run).
func (m *Manager) LeaseHolders(ctx context.Context) ([]string, error) {
	if _, err := os.Stat(m.paths.IPAMDB); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	ip, err := m.openIPAM(ctx)
	if err != nil {
		return nil, err
	}
	defer ip.Close()
	return ip.holders(ctx)
}

// ReleaseContainer gives back every address the container holds, on every
// network.
func (m *Manager) ReleaseContainer(ctx context.Context, id string) error {
	if _, err := os.Stat(m.paths.IPAMDB); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ip, err := m.openIPAM(ctx)
	if err != nil {
		return err
	}
	defer ip.Close()
	return ip.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE owner = ? AND container_id = ?`, ip.owner, id)
		return err
	})
}
