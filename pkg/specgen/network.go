package specgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/network"
)

// NetworkMode values stored in ContainerConfig.NetworkMode. "" is a private
// namespace with only loopback (what containers created before networks
// existed got; --network private asks for it).
const (
	NetModeNone            = "none"
	NetModeHost            = "host"
	NetModeBridge          = "bridge"      // attached to Config.Networks through CNI
	NetModeSlirp           = "slirp4netns" // rootless: slirp4netns and the port driver
	NetModeContainerPrefix = "container:"
	NetModeNSPrefix        = "ns:"
)

// NetOptions are the networking flags of create and run.
type NetOptions struct {
	Networks   []string // --network, repeatable: bridge|NAME|host|none|private|slirp4netns|container:ID|ns:PATH
	IP         string   // --ip
	IP6        string   // --ip6
	MAC        string   // --mac-address
	Aliases    []string // --network-alias
	DNS        []string // --dns
	DNSSearch  []string // --dns-search
	DNSOptions []string // --dns-option
	AddHosts   []string // --add-host NAME:IP
	NoHosts    bool     // --no-hosts: the image's own /etc/hosts, none generated
	Publish    []string // -p
	PublishAll bool     // -P
}

// NetResolver answers what the networking flags name: the engine's
// containers and networks, and whether it runs rootless (which decides the
// default network).
type NetResolver interface {
	Rootless() bool
	// ContainerID is the full ID of the container named or ID-prefixed
	// by nameOrID (--network container:NAME).
	ContainerID(ctx context.Context, nameOrID string) (string, error)
	// Network is the network named or ID-prefixed by nameOrID; an error
	// in errdefs' not-found category when there is none.
	Network(ctx context.Context, nameOrID string) (*network.Network, error)
}

// BuildNetwork validates the networking flags, and cfg.Hostname, into
// cfg. exposed are the image's EXPOSEd ports, published on free host ports
// by -P.
func BuildNetwork(ctx context.Context, cfg *ContainerConfig, o NetOptions, exposed map[string]struct{}, res NetResolver) error {
	if err := ValidateEtcOptions(cfg.Hostname, o); err != nil {
		return err
	}
	cfg.Networks, cfg.AddHosts, cfg.Ports = nil, nil, nil
	modes := o.Networks
	if len(modes) == 0 {
		if res.Rootless() {
			modes = []string{NetModeSlirp}
		} else {
			modes = []string{NetModeBridge}
		}
	}
	special := ""
	var names []string
	for _, m := range modes {
		switch {
		case m == NetModeNone, m == NetModeHost, m == "private", m == NetModeSlirp,
			strings.HasPrefix(m, NetModeContainerPrefix), strings.HasPrefix(m, NetModeNSPrefix):
			if len(modes) > 1 {
				return invalidf("--network %s cannot be combined with other networks", m)
			}
			special = m
		case m == NetModeBridge || m == "default":
			names = append(names, network.DefaultName)
		case m == "":
			return invalidf("--network: empty network name")
		default:
			names = append(names, m)
		}
	}
	switch {
	case special == "private":
		cfg.NetworkMode = ""
	case special == NetModeNone, special == NetModeHost, special == NetModeSlirp:
		cfg.NetworkMode = special
	case strings.HasPrefix(special, NetModeContainerPrefix):
		id, err := res.ContainerID(ctx, strings.TrimPrefix(special, NetModeContainerPrefix))
		if err != nil {
			return err
		}
		cfg.NetworkMode = NetModeContainerPrefix + id
	case strings.HasPrefix(special, NetModeNSPrefix):
		p := strings.TrimPrefix(special, NetModeNSPrefix)
		if _, err := os.Stat(p); err != nil {
			return invalidf("--network ns:%s: %v", p, unwrapPathError(err))
		}
		cfg.NetworkMode = special
	default:
		cfg.NetworkMode = NetModeBridge
		seen := map[string]bool{}
		for _, name := range names {
			n, err := res.Network(ctx, name)
			if err != nil {
				if errors.Is(err, errdefs.ErrNotFound) {
					return errdefs.NotFoundf("unable to find network with name or ID %s: network not found", name)
				}
				return err
			}
			if seen[n.Name] {
				return invalidf("--network %s given twice", n.Name)
			}
			seen[n.Name] = true
			a := network.Attachment{Network: n.Name, InterfaceName: fmt.Sprintf("eth%d", len(cfg.Networks))}
			if n.DNSEnabled {
				a.Aliases = o.Aliases
			}
			cfg.Networks = append(cfg.Networks, a)
		}
	}
	attached := cfg.NetworkMode == NetModeBridge
	if (o.IP != "" || o.IP6 != "" || o.MAC != "") && !attached {
		return invalidf("--ip, --ip6 and --mac-address need a bridge network")
	}
	if o.IP6 != "" {
		if len(cfg.Networks) > 1 {
			return invalidf("--ip6 cannot be used with several networks")
		}
		if a, err := netip.ParseAddr(o.IP6); err != nil || !a.Is6() || a.Is4In6() {
			return invalidf("invalid --ip6 %q: not an IPv6 address", o.IP6)
		}
		cfg.Networks[0].IP6 = o.IP6
	}
	if o.IP != "" {
		if len(cfg.Networks) > 1 {
			return invalidf("--ip cannot be used with several networks")
		}
		if _, err := netip.ParseAddr(o.IP); err != nil {
			return invalidf("invalid --ip %q: not an IP address", o.IP)
		}
		cfg.Networks[0].IP = o.IP
	}
	if o.MAC != "" {
		if _, err := net.ParseMAC(o.MAC); err != nil {
			return invalidf("invalid --mac-address %q", o.MAC)
		}
		cfg.Networks[0].MAC = o.MAC
	}
	if len(o.Aliases) > 0 && !attached {
		return invalidf("--network-alias needs a user-defined bridge network")
	}
	for _, d := range o.DNS {
		if _, err := netip.ParseAddr(d); err != nil {
			return invalidf("invalid --dns %q: not an IP address", d)
		}
	}
	cfg.DNS, cfg.DNSSearch, cfg.DNSOptions = o.DNS, o.DNSSearch, o.DNSOptions
	if o.NoHosts && len(o.AddHosts) > 0 {
		return invalidf("--no-hosts and --add-host cannot be used together")
	}
	cfg.NoHosts = o.NoHosts
	for _, h := range o.AddHosts {
		name, ip, ok := strings.Cut(h, ":")
		if !ok || name == "" {
			return invalidf("invalid --add-host %q: use NAME:IP", h)
		}
		if _, err := netip.ParseAddr(strings.Trim(ip, "[]")); err != nil {
			return invalidf("invalid --add-host %q: %q is not an IP address", h, ip)
		}
		cfg.AddHosts = append(cfg.AddHosts, h)
	}
	ports, err := network.ParsePorts(o.Publish)
	if err != nil {
		return err
	}
	if o.PublishAll {
		var keys []string
		for k := range exposed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		more, err := network.ExpandExposed(keys)
		if err != nil {
			return invalidf("%v", err)
		}
		for _, e := range more {
			if !publishes(ports, e) {
				ports = append(ports, e)
			}
		}
	}
	if len(ports) > 0 {
		switch cfg.NetworkMode {
		case NetModeBridge, NetModeSlirp:
			cfg.Ports = ports
		case NetModeHost:
			// Docker discards them: the container's ports are the host's.
		default:
			return invalidf("cannot publish ports with --network %s: the container has no network to forward to", special)
		}
	}
	return nil
}

// publishes reports whether ports already publish e's container port.
func publishes(ports []network.PortMapping, e network.PortMapping) bool {
	for _, p := range ports {
		if p.Protocol == e.Protocol && e.ContainerPort >= p.ContainerPort && int(e.ContainerPort) < int(p.ContainerPort)+p.Count() {
			return true
		}
	}
	return false
}
