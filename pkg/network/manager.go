package network

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/atomicfile"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/netns"
	"github.com/pod-engine/pod/pkg/state"
)

// Paths say where a Manager keeps things. See the package documentation.
type Paths struct {
	// ConfigDir held the network definitions (NAME.conflist) before they
	// were rows of the state DB, and keeps a copy of each since: read by
	// the import into a new DB; its lock serialises the choice of free
	// subnets and bridge names.
	ConfigDir  string
	RunDir     string   // libcni cache, name servers, firewall records
	IPAMDB     string   // the address lease DB; "" for DefaultIPAMDB
	IPAMDir    string   // host-local's data directory older pods leased in; "" for its default
	PluginDirs []string // CNI plugin binaries; nil for /usr/lib/cni and /opt/cni/bin
	// HostNetNS is the network namespace the bridges, firewall rules and
	// name servers live in: "" for the caller's own (root). Rootless, it is
	// a namespace of the user's (see the engine), the caller creates it
	// before the first Setup.
	HostNetNS string
	// DNSUpstreams (host:port) answer the names the networks' name servers
	// do not know; nil for the host's resolv.conf. Rootless they are
	// slirp4netns's resolver: the host's may be on its loopback, which the
	// user's namespace does not reach.
	DNSUpstreams []string
}

// DefaultPluginDirs are searched for CNI plugins: Debian's, then upstream's.
var DefaultPluginDirs = []string{"/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin"}

// Manager manages the networks of one pod installation. It holds no open
// resources: creating one is free.
type Manager struct {
	paths Paths
	db    *state.DB
	// legacyAttachments, for the one-time import, lists which container
	// used which network before attachments were rows.
	legacyAttachments func() ([]state.Attachment, error)
	// leased, when set, runs once a container's addresses are leased and
	// before it is attached: the engine's fault-injection point.
	leased func()
	// now is the clock for Created; tests do not replace it.
	now func() time.Time
	// defaultSubnet, when valid, is the default network's subnet.
	defaultSubnet netip.Prefix
}

// Option tunes a Manager.
type Option func(*Manager)

// WithLegacyAttachments gives the one-time import of an older store (see
// ImportLegacy) the containers' attachments of that store.
func WithLegacyAttachments(fn func() ([]state.Attachment, error)) Option {
	return func(m *Manager) { m.legacyAttachments = fn }
}

// WithDefaultSubnet is the subnet the default network gets when it is
// first recorded (containers.conf's default_subnet), instead of the first
// free one pod would choose; a default bridge (pod0) already on the host
// keeps its own, which every installation shares.
func WithDefaultSubnet(p netip.Prefix) Option {
	return func(m *Manager) { m.defaultSubnet = p }
}

// WithLeasedHook has the Manager call fn between leasing a container's
// addresses and attaching it: for fault-injection tests only.
func WithLeasedHook(fn func()) Option {
	return func(m *Manager) { m.leased = fn }
}

// NewManager returns a Manager over paths, keeping its networks in db.
func NewManager(p Paths, db *state.DB, opts ...Option) *Manager {
	if p.PluginDirs == nil {
		p.PluginDirs = DefaultPluginDirs
	}
	if p.IPAMDB == "" {
		p.IPAMDB = DefaultIPAMDB
	}
	m := &Manager{paths: p, db: db, now: time.Now}
	for _, o := range opts {
		o(m)
	}
	return m
}

var nameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ID is a network's ID: the SHA-256 of its name, as podman does, so the
// default network has the same ID everywhere.
func ID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func (m *Manager) confPath(name string) string {
	return filepath.Join(m.paths.ConfigDir, name+".conflist")
}

// lock serialises the choice of free subnets and bridge names.
func (m *Manager) lock(ctx context.Context) (*lock.Lock, error) {
	if err := os.MkdirAll(m.paths.ConfigDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", m.paths.ConfigDir, err)
	}
	return lock.Acquire(ctx, filepath.Join(m.paths.ConfigDir, ".lock"))
}

func toRow(n *Network) (*state.Network, error) {
	b, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("encode network %s: %w", n.Name, err)
	}
	return &state.Network{Name: n.Name, ID: n.ID, Driver: n.Driver, CreatedAt: n.Created, Config: b}, nil
}

func fromRow(r *state.Network) (*Network, error) {
	var n Network
	if err := json.Unmarshal(r.Config, &n); err != nil {
		return nil, fmt.Errorf("network %s: decode its definition: %w", r.Name, err)
	}
	return &n, nil
}

// keepCopy writes n's definition as the CNI configuration list older pods
// kept as the record (ConfigDir/NAME.conflist, complete for any CNI tool,
// pod's view under the key "pod"). The DB is the record; the copy is what
// ImportLegacy reads when a DB was lost or set aside as corrupt and started
// anew, as containers are rebuilt from their pod-record.json.
func (m *Manager) keepCopy(n *Network) error {
	b, err := conflistBytes(n, m.paths)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(m.paths.ConfigDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", m.paths.ConfigDir, err)
	}
	if err := atomicfile.WriteFile(m.confPath(n.Name), b, 0o644); err != nil {
		return fmt.Errorf("keep a copy of network %s: %w", n.Name, err)
	}
	return nil
}

// ImportLegacy records, once per state DB, the networks an older pod kept as
// CNI configuration lists in ConfigDir and the attachments of the store's
// containers. Concurrent first commands import once (see
// state.DB.ImportNetworks). Every public method calls it first; its cost
// once done is one read.
func (m *Manager) ImportLegacy(ctx context.Context) error {
	return m.db.ImportNetworks(ctx, func() ([]*state.Network, []state.Attachment, error) {
		var atts []state.Attachment
		if m.legacyAttachments != nil {
			var err error
			if atts, err = m.legacyAttachments(); err != nil {
				return nil, nil, err
			}
		}
		entries, err := os.ReadDir(m.paths.ConfigDir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, err
		}
		var rows []*state.Network
		haveDefault := false
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".conflist")
			if !ok || e.IsDir() {
				continue
			}
			b, err := os.ReadFile(m.confPath(name))
			if err != nil {
				return nil, nil, err
			}
			var c conflist
			if err := json.Unmarshal(b, &c); err != nil || c.Pod == nil || c.Pod.Name != name {
				continue // not pod's: left alone, as List always did
			}
			row, err := toRow(c.Pod)
			if err != nil {
				return nil, nil, err
			}
			haveDefault = haveDefault || name == DefaultName
			rows = append(rows, row)
		}
		if !haveDefault {
			// Containers of an older pod on the default network used the
			// default it had, 10.88.0.0/16 on pod0.
			for _, a := range atts {
				if a.Network == DefaultName {
					row, err := toRow(m.defaultNetwork(netip.MustParsePrefix(DefaultSubnet)))
					if err != nil {
						return nil, nil, err
					}
					rows = append(rows, row)
					break
				}
			}
		}
		return rows, atts, nil
	})
}

// defaultNetwork is the default network on subnet.
func (m *Manager) defaultNetwork(subnet netip.Prefix) *Network {
	return &Network{
		Name:             DefaultName,
		ID:               ID(DefaultName),
		Driver:           DriverBridge,
		NetworkInterface: DefaultBridge,
		Created:          m.now().UTC(),
		Subnets:          []Subnet{{Subnet: subnet.String(), Gateway: subnet.Addr().Next().String()}},
		IPAMOptions:      map[string]string{"driver": "host-local"},
	}
}

// load finds one network by exact name. The default network is recorded on
// first use, with a subnet chosen then (see chooseDefaultSubnet) and kept
// even if the host changes.
func (m *Manager) load(ctx context.Context, name string) (*Network, error) {
	if err := m.ImportLegacy(ctx); err != nil {
		return nil, err
	}
	row, err := m.db.GetNetwork(ctx, name)
	if errors.Is(err, errdefs.ErrNotFound) && name == DefaultName {
		return m.ensureDefault(ctx)
	}
	if err != nil {
		return nil, err
	}
	return fromRow(row)
}

// ensureDefault records the default network unless another process did.
func (m *Manager) ensureDefault(ctx context.Context) (*Network, error) {
	l, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	if row, err := m.db.GetNetwork(ctx, DefaultName); err == nil {
		return fromRow(row)
	}
	existing, err := m.recorded(ctx)
	if err != nil {
		return nil, err
	}
	// The host's routes and addresses, seen from pod's own namespace: as
	// root the networks' namespace; rootless the host's, which is at least
	// as crowded as the user's namespace of networks.
	host := hostPrefixes()
	sub, err := chooseDefaultSubnet(usedPrefixes(existing), host)
	if err != nil {
		return nil, err
	}
	// containers.conf's subnet, unless the shared bridge already runs
	// with its own (every installation on the host joins pod0).
	if m.defaultSubnet.IsValid() && !slices.ContainsFunc(host, func(h hostPrefix) bool { return h.link == DefaultBridge }) {
		sub = m.defaultSubnet.Masked()
	}
	row, err := toRow(m.defaultNetwork(sub))
	if err != nil {
		return nil, err
	}
	if row, err = m.db.EnsureNetwork(ctx, row); err != nil {
		return nil, err
	}
	n, err := fromRow(row)
	if err != nil {
		return nil, err
	}
	return n, m.keepCopy(n)
}

// recorded returns the networks of the DB that can be read, sorted by name.
func (m *Manager) recorded(ctx context.Context) ([]*Network, error) {
	rows, err := m.db.Networks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Network, 0, len(rows)+1)
	for _, r := range rows {
		n, err := fromRow(r)
		if err != nil {
			// Damaged: listing shows the others; looking it up by
			// name says what is wrong with it.
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

// List returns every network, sorted by name, the default one included.
func (m *Manager) List(ctx context.Context) ([]*Network, error) {
	if err := m.ImportLegacy(ctx); err != nil {
		return nil, err
	}
	out, err := m.recorded(ctx)
	if err != nil {
		return nil, err
	}
	haveDefault := false
	for _, n := range out {
		haveDefault = haveDefault || n.Name == DefaultName
	}
	if !haveDefault {
		n, err := m.ensureDefault(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Inspect finds a network by name, full ID or unique ID prefix.
func (m *Manager) Inspect(ctx context.Context, nameOrID string) (*Network, error) {
	if n, err := m.load(ctx, nameOrID); err == nil {
		return n, nil
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return nil, err
	}
	all, err := m.List(ctx)
	if err != nil {
		return nil, err
	}
	var found *Network
	for _, n := range all {
		if nameOrID != "" && strings.HasPrefix(n.ID, nameOrID) {
			if found != nil {
				return nil, errdefs.InvalidArgumentf("network ID prefix %s is ambiguous", nameOrID)
			}
			found = n
		}
	}
	if found == nil {
		return nil, errdefs.NotFoundf("unable to find network with name or ID %s: network not found", nameOrID)
	}
	return found, nil
}

// Exists reports whether a network of that name or ID exists.
func (m *Manager) Exists(ctx context.Context, nameOrID string) (bool, error) {
	_, err := m.Inspect(ctx, nameOrID)
	if errors.Is(err, errdefs.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Remove deletes a network's definition, and its bridge and rules from the
// host. A network that containers are attached to is ErrConflict naming
// them (the check and the delete are one transaction); the caller removes
// or disconnects them first. The default network cannot be removed.
func (m *Manager) Remove(ctx context.Context, nameOrID string) (*Network, error) {
	n, err := m.Inspect(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	if n.Name == DefaultName {
		return nil, errdefs.InvalidArgumentf("default network %s cannot be removed", n.Name)
	}
	if err := m.db.RemoveNetwork(ctx, n.Name); err != nil {
		return nil, err
	}
	// Its copy goes too, or a rebuilt DB would bring it back.
	if err := os.Remove(m.confPath(n.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return n, fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	if n.Driver == DriverBridge {
		err := m.inHost(func() error {
			return errors.Join(m.removeRules(ctx, n), removeBridge(n.NetworkInterface))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// inHost runs fn in the namespace the networks live in. Rootless, when that
// namespace does not exist (yet, or any more), there is nothing of the
// networks' there to act on, and fn is skipped.
func (m *Manager) inHost(fn func() error) error {
	if m.paths.HostNetNS == "" {
		return fn()
	}
	if !netns.IsNamespace(m.paths.HostNetNS) {
		return nil
	}
	return netns.Do(m.paths.HostNetNS, fn)
}

// ReloadRules makes the next container attaching to each named network
// write the network's firewall rules again, as after a reboot: for `pod
// network reload`, after something flushed the host's firewall.
func (m *Manager) ReloadRules(names ...string) error {
	var errs []error
	for _, name := range names {
		row, err := m.db.GetNetwork(context.Background(), name)
		if err != nil {
			continue // removed meanwhile: no rules to write
		}
		n, err := fromRow(row)
		if err != nil {
			continue
		}
		if n.Driver == DriverBridge {
			errs = append(errs, m.forgetRules(n))
		}
	}
	return errors.Join(errs...)
}
