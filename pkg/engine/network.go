package engine

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"regexp"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/slirp"
	"github.com/pod-engine/pod/pkg/state"
)

// networks is the network manager of this installation: definitions and
// attachments in the state DB, run-time state in RUNROOT/networks, address
// leases in the machine-wide lease DB (as root) or in the run root
// (rootless: the user's networks are the user's own).
func (r *Runtime) networks() *network.Manager {
	p := network.Paths{
		ConfigDir: filepath.Join(r.storeOpts.GraphRoot, "networks"),
		RunDir:    filepath.Join(r.storeOpts.RunRoot, "networks"),
	}
	if r.Rootless() {
		p.IPAMDB = filepath.Join(p.RunDir, "ipam.db")
		p.IPAMDir = filepath.Join(p.RunDir, "ipam")
		p.HostNetNS = r.rootlessNetNS()
		p.DNSUpstreams = []string{net.JoinHostPort(slirp.DNS, "53")}
	}
	sub, _ := r.Config().DefaultSubnet() // Open validated it
	return network.NewManager(p, r.db, network.WithLegacyAttachments(r.legacyAttachments),
		network.WithLeasedHook(func() { crashPoint(faultNetworkLeased) }), network.WithDefaultSubnet(sub))
}

// legacyAttachments reads, for the one-time import of networks into the
// state DB, which container uses which network from the containers'
// configurations (where a pod before that import kept it alone).
func (r *Runtime) legacyAttachments() ([]state.Attachment, error) {
	rows, err := r.db.List(context.Background())
	if err != nil {
		return nil, err
	}
	var out []state.Attachment
	for _, row := range rows {
		c, err := wrap(row)
		if err != nil {
			continue
		}
		out = append(out, stateAttachments(c.ID, c.Config.Networks)...)
	}
	return out, nil
}

// stateAttachments are the attachment rows of a container's networks.
func stateAttachments(id string, atts []network.Attachment) []state.Attachment {
	out := make([]state.Attachment, len(atts))
	for i, a := range atts {
		out[i] = state.Attachment{ContainerID: id, Network: a.Network, Interface: a.InterfaceName}
	}
	return out
}

// NetworkCreate defines a network (`pod network create`).
func (r *Runtime) NetworkCreate(ctx context.Context, opts network.CreateOptions) (*network.Network, error) {
	n, err := r.networks().Create(ctx, opts)
	if err == nil {
		r.networkEvent(ctx, "create", n.ID, n.Name)
	}
	return n, err
}

// NetworkInspect finds networks by name or ID, in the order given. It stops
// at the first that does not exist.
func (r *Runtime) NetworkInspect(ctx context.Context, namesOrIDs ...string) ([]*network.Network, error) {
	var out []*network.Network
	m := r.networks()
	for _, n := range namesOrIDs {
		net, err := m.Inspect(ctx, n)
		if err != nil {
			return out, err
		}
		out = append(out, net)
	}
	return out, nil
}

// NetworkExists reports whether a network exists (`pod network exists`).
func (r *Runtime) NetworkExists(ctx context.Context, nameOrID string) (bool, error) {
	return r.networks().Exists(ctx, nameOrID)
}

// NetworkFilter is the parsed --filter set of `network ls` and `network
// prune` (see pkg/filters): name=REGEX, id=PREFIX, driver=NAME,
// label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME (created before).
// Values of one key are alternatives, different keys and every label=
// must match. nil matches every network.
type NetworkFilter struct {
	args   filters.Args
	names  []*regexp.Regexp
	window filters.Window
}

var networkFilterKeys = []string{"name", "id", "driver", "label", "label!", "until"}

// ParseNetworkFilters parses --filter values KEY=VALUE.
func ParseNetworkFilters(in []string) (*NetworkFilter, error) {
	return parseNetworkFilters(in, networkFilterKeys)
}

// ParseNetworkPruneFilters parses system prune's --filter values as they
// apply to networks: label=, label!= and until= only.
func ParseNetworkPruneFilters(in []string) (*NetworkFilter, error) {
	return parseNetworkFilters(in, []string{"label", "label!", "until"})
}

func parseNetworkFilters(in []string, keys []string) (*NetworkFilter, error) {
	args, err := filters.Parse(in, keys...)
	if err != nil {
		return nil, err
	}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	names, err := filters.Regexps(args, "name")
	if err != nil {
		return nil, err
	}
	w, err := filters.Created(args, time.Now(), nil)
	if err != nil {
		return nil, err
	}
	return &NetworkFilter{args: args, names: names, window: w}, nil
}

// match reports whether n passes f.
func (f *NetworkFilter) match(n *network.Network) bool {
	if f == nil {
		return true
	}
	return filters.MatchRegexps(f.names, n.Name) &&
		filters.MatchIDPrefix(f.args, "id", n.ID) &&
		filters.MatchAny(f.args, "driver", func(d string) bool { return n.Driver == d }) &&
		filters.MatchLabels(f.args, n.Labels) &&
		f.window.Contains(n.Created)
}

// NetworkList lists the networks matching all filters (`pod network ls`).
func (r *Runtime) NetworkList(ctx context.Context, filter *NetworkFilter) ([]*network.Network, error) {
	all, err := r.networks().List(ctx)
	if err != nil {
		return nil, err
	}
	var out []*network.Network
	for _, n := range all {
		if filter.match(n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// NetworkRemove removes a network (`pod network rm`). A network that
// containers use is refused (ErrConflict) unless force, which removes
// those containers first, as podman does, killing the running ones.
func (r *Runtime) NetworkRemove(ctx context.Context, nameOrID string, force bool) (*network.Network, error) {
	zero := 0
	return r.NetworkRemoveTimeout(ctx, nameOrID, force, &zero)
}

// NetworkRemoveTimeout is NetworkRemove whose force gives each running
// container timeout seconds to stop before SIGKILL (network rm --time;
// nil: the container's own stop timeout).
func (r *Runtime) NetworkRemoveTimeout(ctx context.Context, nameOrID string, force bool, timeout *int) (*network.Network, error) {
	m := r.networks()
	n, err := m.Inspect(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	if force {
		users, err := r.db.NetworkUsers(ctx, n.Name)
		if err != nil {
			return nil, err
		}
		if err := r.removeNetworkUsers(ctx, users, timeout); err != nil {
			return nil, err
		}
	}
	// Refused (ErrConflict naming the users) when a container uses the
	// network: checked in the transaction that deletes it.
	removed, err := m.Remove(ctx, n.Name)
	if err == nil {
		r.networkEvent(ctx, "remove", n.ID, n.Name)
	}
	return removed, err
}

// NetworkPrune removes every network no container uses, except the
// default one, among those matching filters. It returns their names.
func (r *Runtime) NetworkPrune(ctx context.Context, filter *NetworkFilter) ([]string, error) {
	nets, err := r.NetworkList(ctx, filter)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range nets {
		if n.Name == network.DefaultName {
			continue
		}
		if _, err := r.networks().Remove(ctx, n.Name); err != nil {
			if errors.Is(err, errdefs.ErrConflict) {
				continue // in use
			}
			return removed, err
		}
		r.networkEvent(ctx, "remove", n.ID, n.Name)
		removed = append(removed, n.Name)
	}
	return removed, nil
}
