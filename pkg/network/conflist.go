package network

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
)

// cniVersion is the CNI spec version pod writes; Debian's plugins (1.1)
// speak up to 1.0.0.
const cniVersion = "1.0.0"

// conflist is a CNI configuration list with pod's view of the network kept
// under "pod", a key libcni and the plugins ignore.
type conflist struct {
	CNIVersion string           `json:"cniVersion"`
	Name       string           `json:"name"`
	Pod        *Network         `json:"pod"`
	Plugins    []map[string]any `json:"plugins"`
}

// chain says which plugins a rendering of a network chains.
type chain struct {
	// standalone is the list pod stores: complete for any CNI tool, so the
	// bridge plugin masquerades and the firewall plugin accepts forwarded
	// traffic, per container.
	standalone bool
	// ports and mac chain portmap and tuning: pod's own runs chain a
	// plugin only when the container needs what it does (every plugin is
	// a process, and portmap's DEL runs iptables even with no ports).
	ports, mac bool
	// addrs are the addresses pod leased for the container, one per
	// subnet, handed to the plugins through the static IPAM plugin.
	addrs []netip.Addr
}

// conflistBytes renders n as the CNI configuration list kept in
// ConfigDir: complete for any CNI tool, with host-local IPAM, as pods before
// the state DB stored it (the upgrade tests attach containers with it, as
// those pods did); pod itself reads only its "pod" key, when importing.
func conflistBytes(n *Network, p Paths) ([]byte, error) {
	return renderConflist(n, p, chain{standalone: true, ports: true, mac: true})
}

// attachConflist renders the list pod runs to attach one container to n
// with the addresses it leased. A bridge network's NAT and forwarding rules
// are per network, not per container (see firewall_linux.go), so neither
// ipMasq nor the firewall plugin is chained.
func attachConflist(n *Network, p Paths, ports, mac bool, addrs []netip.Addr) ([]byte, error) {
	return renderConflist(n, p, chain{ports: ports, mac: mac, addrs: addrs})
}

// renderConflist renders n's CNI configuration list with the plugins of
// c. For the standalone list p.IPAMDir, when set, is host-local's data
// directory; tuning keeps the MACs it must restore under p.RunDir (its
// default, /run/cni, is not writable rootless).
func renderConflist(n *Network, p Paths, c chain) ([]byte, error) {
	ipam := map[string]any{"type": "static"}
	if c.standalone {
		ipam["type"] = "host-local"
		if p.IPAMDir != "" {
			ipam["dataDir"] = p.IPAMDir
		}
	}
	var ranges [][]map[string]any
	var routes []map[string]any
	static := []map[string]any{} // [] not null: the static plugin parses it on DEL too
	for i, s := range n.Subnets {
		if i < len(c.addrs) {
			pfx, _ := netip.ParsePrefix(s.Subnet)
			a := map[string]any{"address": netip.PrefixFrom(c.addrs[i], pfx.Bits()).String()}
			if s.Gateway != "" {
				a["gateway"] = s.Gateway
			}
			static = append(static, a)
		}
		r := map[string]any{"subnet": s.Subnet}
		if s.Gateway != "" {
			r["gateway"] = s.Gateway
		}
		if s.LeaseRange != nil {
			if s.LeaseRange.StartIP != "" {
				r["rangeStart"] = s.LeaseRange.StartIP
			}
			if s.LeaseRange.EndIP != "" {
				r["rangeEnd"] = s.LeaseRange.EndIP
			}
		}
		ranges = append(ranges, []map[string]any{r})
		if !n.Internal {
			pfx, _ := netip.ParsePrefix(s.Subnet)
			dst := "0.0.0.0/0"
			if pfx.Addr().Is6() {
				dst = "::/0"
			}
			routes = append(routes, map[string]any{"dst": dst})
		}
	}
	if c.standalone {
		ipam["ranges"] = ranges
	} else {
		ipam["addresses"] = static
	}
	if len(routes) > 0 {
		ipam["routes"] = routes
	}
	var plugins []map[string]any
	switch n.Driver {
	case DriverBridge:
		// isGateway gives the bridge the gateway address even on an internal
		// network: the name server listens there. Only ipMasq and the
		// default route make a network reach outside.
		br := map[string]any{
			"type":        "bridge",
			"bridge":      n.NetworkInterface,
			"isGateway":   true,
			"ipMasq":      c.standalone && !n.Internal,
			"hairpinMode": true,
			"ipam":        ipam,
		}
		if c.standalone {
			br["capabilities"] = map[string]bool{"ips": true}
		}
		if err := intOption(n.Options, "mtu", br, "mtu"); err != nil {
			return nil, err
		}
		if err := intOption(n.Options, "vlan", br, "vlan"); err != nil {
			return nil, err
		}
		plugins = append(plugins, br)
		if c.ports {
			plugins = append(plugins, map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}})
		}
		if c.standalone {
			plugins = append(plugins, map[string]any{"type": "firewall", "backend": "iptables"})
		}
	case DriverMacvlan, DriverIPvlan:
		mv := map[string]any{
			"type":   n.Driver,
			"master": n.NetworkInterface,
			"ipam":   ipam,
		}
		if c.standalone {
			mv["capabilities"] = map[string]bool{"ips": true}
		}
		if m := n.Options["mode"]; m != "" {
			mv["mode"] = m
		}
		if err := intOption(n.Options, "mtu", mv, "mtu"); err != nil {
			return nil, err
		}
		plugins = append(plugins, mv)
	default:
		return nil, fmt.Errorf("unknown driver %q", n.Driver)
	}
	if c.mac {
		tuning := map[string]any{"type": "tuning", "capabilities": map[string]bool{"mac": true}}
		if p.RunDir != "" {
			tuning["dataDir"] = filepath.Join(p.RunDir, "tuning")
		}
		plugins = append(plugins, tuning)
	}
	return json.MarshalIndent(conflist{CNIVersion: cniVersion, Name: n.Name, Pod: n, Plugins: plugins}, "", "  ")
}

func intOption(opts map[string]string, key string, into map[string]any, field string) error {
	v, ok := opts[key]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return invalidf("option %s=%q is not a number", key, v)
	}
	into[field] = n
	return nil
}
