package network

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/netns"
)

// Paths say where a Manager keeps things. See the package documentation.
type Paths struct {
	ConfigDir  string   // network definitions (NAME.conflist)
	RunDir     string   // libcni cache, name servers, locks
	IPAMDir    string   // host-local data directory; "" for the plugin's default
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
	// now is the clock for Created; tests do not replace it.
	now func() time.Time
}

// NewManager returns a Manager over paths.
func NewManager(p Paths) *Manager {
	if p.PluginDirs == nil {
		p.PluginDirs = DefaultPluginDirs
	}
	return &Manager{paths: p, now: time.Now}
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

// lock serialises changes to the set of networks (create, remove) and the
// choice of free subnets and bridge names.
func (m *Manager) lock(ctx context.Context) (*lock.Lock, error) {
	return lock.Acquire(ctx, filepath.Join(m.paths.ConfigDir, ".lock"))
}

// defaultNetwork is the in-memory default network, before it is written.
func (m *Manager) defaultNetwork() *Network {
	return &Network{
		Name:             DefaultName,
		ID:               ID(DefaultName),
		Driver:           DriverBridge,
		NetworkInterface: DefaultBridge,
		Created:          m.now().UTC(),
		Subnets:          []Subnet{{Subnet: DefaultSubnet, Gateway: DefaultGateway}},
		IPAMOptions:      map[string]string{"driver": "host-local"},
	}
}

// load reads one network's file. Only pod's description of the network
// (the "pod" key) is used: the plugins are rendered from it with this
// installation's paths when a container attaches, so networks defined by an
// older pod get what this one runs.
func (m *Manager) load(name string) (*Network, error) {
	b, err := os.ReadFile(m.confPath(name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if name == DefaultName {
				return m.defaultNetwork(), nil
			}
			return nil, errdefs.NotFoundf("network %s not found", name)
		}
		return nil, fmt.Errorf("read network %s: %w", name, err)
	}
	var c conflist
	if err := json.Unmarshal(b, &c); err != nil || c.Pod == nil {
		return nil, fmt.Errorf("network file %s is not a pod network: %v", m.confPath(name), err)
	}
	return c.Pod, nil
}

// List returns every network, sorted by name, the default one included.
func (m *Manager) List(ctx context.Context) ([]*Network, error) {
	entries, err := os.ReadDir(m.paths.ConfigDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []*Network
	haveDefault := false
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".conflist")
		if !ok || e.IsDir() {
			continue
		}
		n, err := m.load(name)
		if err != nil {
			continue // not ours, or removed meanwhile
		}
		haveDefault = haveDefault || n.Name == DefaultName
		out = append(out, n)
	}
	if !haveDefault {
		out = append(out, m.defaultNetwork())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Inspect finds a network by name, full ID or unique ID prefix.
func (m *Manager) Inspect(ctx context.Context, nameOrID string) (*Network, error) {
	if n, err := m.load(nameOrID); err == nil {
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

// Remove deletes a network's definition. The caller has disconnected its
// containers (the manager does not know them). The default network cannot
// be removed.
func (m *Manager) Remove(ctx context.Context, nameOrID string) (*Network, error) {
	n, err := m.Inspect(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	if n.Name == DefaultName {
		return nil, errdefs.InvalidArgumentf("default network %s cannot be removed", n.Name)
	}
	l, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	if err := os.Remove(m.confPath(n.Name)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFoundf("network %s not found", n.Name)
		}
		return nil, fmt.Errorf("remove network %s: %w", n.Name, err)
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

// write stores n, creating the configuration directory.
func (m *Manager) write(n *Network) error {
	b, err := conflistBytes(n, m.paths)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(m.paths.ConfigDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", m.paths.ConfigDir, err)
	}
	tmp := m.confPath(n.Name) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write network %s: %w", n.Name, err)
	}
	if err := os.Rename(tmp, m.confPath(n.Name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write network %s: %w", n.Name, err)
	}
	return nil
}

// ensureDefault writes the default network's file on first use, so that
// it stays as it was first used even if pod's defaults change.
func (m *Manager) ensureDefault(ctx context.Context) error {
	if _, err := os.Stat(m.confPath(DefaultName)); err == nil {
		return nil
	}
	l, err := m.lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	if _, err := os.Stat(m.confPath(DefaultName)); err == nil {
		return nil
	}
	return m.write(m.defaultNetwork())
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
		n, err := m.load(name)
		if err != nil {
			continue // removed meanwhile: no rules to write
		}
		if n.Driver == DriverBridge {
			errs = append(errs, m.forgetRules(n))
		}
	}
	return errors.Join(errs...)
}
