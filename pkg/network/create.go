package network

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Options each driver accepts with -o.
var driverOptions = map[string][]string{
	DriverBridge:  {"mtu", "vlan"},
	DriverMacvlan: {"parent", "mode", "mtu"},
}

func invalidf(format string, a ...any) error {
	return errdefs.InvalidArgumentf(format, a...)
}

// Create defines a new network. Nothing is set up on the host until a
// container attaches to it. Errors: ErrInvalidArg for bad input (bad CIDR,
// a gateway outside its subnet, an unknown option), ErrAlreadyExists for a
// taken name, ErrConflict for a subnet that overlaps another network's or
// an address in use on the host.
func (m *Manager) Create(ctx context.Context, o CreateOptions) (*Network, error) {
	if o.Driver == "" {
		o.Driver = DriverBridge
	}
	allowed, ok := driverOptions[o.Driver]
	if !ok {
		return nil, invalidf("unsupported network driver %q (use bridge or macvlan)", o.Driver)
	}
	for k := range o.Options {
		if !contains(allowed, k) {
			return nil, invalidf("unsupported %s network option %q (supported: %s)", o.Driver, k, strings.Join(allowed, ", "))
		}
	}
	if len(o.Gateways) > len(o.Subnets) || len(o.IPRanges) > len(o.Subnets) {
		return nil, invalidf("every --gateway and --ip-range needs a --subnet")
	}
	l, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Release()

	existing, err := m.List(ctx)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = freeName(existing)
	}
	if !nameRe.MatchString(o.Name) {
		return nil, invalidf("network name %q must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", o.Name)
	}
	for _, n := range existing {
		if n.Name == o.Name {
			return nil, errdefs.AlreadyExistsf("network name %s already used: network already exists", o.Name)
		}
	}
	n := &Network{
		Name:        o.Name,
		ID:          ID(o.Name),
		Driver:      o.Driver,
		Created:     m.now().UTC(),
		Internal:    o.Internal,
		IPv6Enabled: o.IPv6,
		DNSEnabled:  o.Driver == DriverBridge && !o.DisableDNS,
		Labels:      o.Labels,
		Options:     o.Options,
		IPAMOptions: map[string]string{"driver": "host-local"},
	}
	used := usedPrefixes(existing)
	hostUsed := hostPrefixes()
	for i, s := range o.Subnets {
		sub, err := parseSubnet(s)
		if err != nil {
			return nil, err
		}
		if sub.Addr().Is6() {
			n.IPv6Enabled = true
		}
		var gw, rng string
		if i < len(o.Gateways) {
			gw = o.Gateways[i]
		}
		if i < len(o.IPRanges) {
			rng = o.IPRanges[i]
		}
		subnet, err := makeSubnet(sub, gw, rng)
		if err != nil {
			return nil, err
		}
		if err := checkFree(sub, used, hostUsed); err != nil {
			return nil, err
		}
		used = append(used, sub)
		n.Subnets = append(n.Subnets, subnet)
	}
	if !hasFamily(n.Subnets, false) && (len(o.Subnets) == 0 || !n.IPv6Enabled) {
		sub, err := freeSubnet4(used, hostUsed)
		if err != nil {
			return nil, err
		}
		used = append(used, sub)
		s, _ := makeSubnet(sub, "", "")
		n.Subnets = append(n.Subnets, s)
	}
	if n.IPv6Enabled && !hasFamily(n.Subnets, true) {
		sub, err := freeSubnet6(n.ID, used, hostUsed)
		if err != nil {
			return nil, err
		}
		s, _ := makeSubnet(sub, "", "")
		n.Subnets = append(n.Subnets, s)
	}
	switch o.Driver {
	case DriverBridge:
		n.NetworkInterface = freeBridge(existing)
	case DriverMacvlan:
		n.NetworkInterface = o.Options["parent"]
		if n.NetworkInterface == "" {
			return nil, invalidf("a macvlan network needs -o parent=HOST_INTERFACE")
		}
		if _, err := net.InterfaceByName(n.NetworkInterface); err != nil {
			return nil, invalidf("macvlan parent interface %s does not exist", n.NetworkInterface)
		}
	}
	if err := m.write(n); err != nil {
		return nil, err
	}
	return n, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasFamily(subs []Subnet, v6 bool) bool {
	for _, s := range subs {
		if p, err := netip.ParsePrefix(s.Subnet); err == nil && p.Addr().Is6() == v6 {
			return true
		}
	}
	return false
}

// freeName is podman's naming of unnamed networks: podman1, podman2, ...
func freeName(existing []*Network) string {
	for i := 1; ; i++ {
		name := fmt.Sprintf("podman%d", i)
		taken := false
		for _, n := range existing {
			taken = taken || n.Name == name
		}
		if !taken {
			return name
		}
	}
}

// bridgePrefix starts the name of every bridge pod makes (pod0 is the
// default network's); the networks' firewall rules tell pod's bridges apart
// from the host's other links by it.
const bridgePrefix = "pod"

// freeBridge picks pod1, pod2, ...: not named by another network and not a
// link on the host.
func freeBridge(existing []*Network) string {
	for i := 1; ; i++ {
		name := fmt.Sprintf("%s%d", bridgePrefix, i)
		taken := false
		for _, n := range existing {
			taken = taken || n.NetworkInterface == name
		}
		if _, err := net.InterfaceByName(name); err == nil {
			taken = true
		}
		if !taken {
			return name
		}
	}
}

func parseSubnet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, invalidf("invalid subnet %q: not a CIDR such as 10.89.0.0/24", s)
	}
	if p.Masked() != p {
		return p, invalidf("invalid subnet %q: host bits are set (did you mean %s?)", s, p.Masked())
	}
	if (p.Addr().Is4() && p.Bits() > 30) || (p.Addr().Is6() && p.Bits() > 126) {
		return p, invalidf("subnet %s is too small", s)
	}
	return p, nil
}

// makeSubnet checks gw and rng against sub and fills in the default
// gateway, the subnet's first address.
func makeSubnet(sub netip.Prefix, gw, rng string) (Subnet, error) {
	s := Subnet{Subnet: sub.String()}
	if gw == "" {
		s.Gateway = sub.Addr().Next().String()
	} else {
		a, err := netip.ParseAddr(gw)
		if err != nil {
			return s, invalidf("invalid gateway %q", gw)
		}
		if !sub.Contains(a) || a == sub.Addr() {
			return s, invalidf("gateway %s is not a host address of subnet %s", gw, sub)
		}
		s.Gateway = a.String()
	}
	if rng != "" {
		start, end, err := parseIPRange(rng)
		if err != nil {
			return s, err
		}
		if !sub.Contains(start) || !sub.Contains(end) {
			return s, invalidf("ip range %s is not inside subnet %s", rng, sub)
		}
		s.LeaseRange = &LeaseRange{StartIP: start.String(), EndIP: end.String()}
	}
	return s, nil
}

// parseIPRange accepts a CIDR (its usable addresses) or START-END.
func parseIPRange(s string) (start, end netip.Addr, err error) {
	if a, b, ok := strings.Cut(s, "-"); ok {
		start, err1 := netip.ParseAddr(a)
		end, err2 := netip.ParseAddr(b)
		if err1 != nil || err2 != nil || end.Less(start) {
			return start, end, invalidf("invalid ip range %q", s)
		}
		return start, end, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Masked() != p {
		return start, end, invalidf("invalid ip range %q: not a CIDR or START-END", s)
	}
	start = p.Addr()
	if p.Bits() < p.Addr().BitLen()-1 {
		start = start.Next() // skip the network address
	}
	end = lastAddr(p)
	if p.Addr().Is4() && p.Bits() < 31 {
		end = end.Prev() // skip broadcast
	}
	return start, end, nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		bitsHere := p.Bits() - i*8
		switch {
		case bitsHere <= 0:
			b[i] = 0xff
		case bitsHere < 8:
			b[i] |= 0xff >> bitsHere
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func usedPrefixes(nets []*Network) []netip.Prefix {
	var out []netip.Prefix
	for _, n := range nets {
		for _, s := range n.Subnets {
			if p, err := netip.ParsePrefix(s.Subnet); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// hostPrefixes are the networks of the host's interface addresses, so a new
// network does not shadow a network the host is on.
func hostPrefixes() []netip.Prefix {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, _ := netip.AddrFromSlice(ipn.IP)
		ones, _ := ipn.Mask.Size()
		ip = ip.Unmap()
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, netip.PrefixFrom(ip, ones).Masked())
	}
	return out
}

func checkFree(sub netip.Prefix, used, host []netip.Prefix) error {
	for _, u := range used {
		if u.Overlaps(sub) {
			return errdefs.Conflictf("subnet %s overlaps subnet %s of another network", sub, u)
		}
	}
	for _, u := range host {
		if u.Overlaps(sub) {
			return errdefs.Conflictf("subnet %s overlaps %s, in use on a host interface", sub, u)
		}
	}
	return nil
}

// freeSubnet4 picks the first free 10.89.N.0/24, as podman does.
func freeSubnet4(used, host []netip.Prefix) (netip.Prefix, error) {
	for i := 0; i < 256; i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 89, byte(i), 0}), 24)
		if checkFree(p, used, host) == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, errdefs.Conflictf("no free subnet in 10.89.0.0/16")
}

// freeSubnet6 picks a unique-local /64 derived from the network ID.
func freeSubnet6(id string, used, host []netip.Prefix) (netip.Prefix, error) {
	var b [16]byte
	b[0] = 0xfd
	for i := 0; i < 200; i++ {
		fmt.Sscanf(id[2*i%56:2*i%56+14], "%2x%2x%2x%2x%2x%2x%2x", &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7])
		b[7] += byte(i)
		p := netip.PrefixFrom(netip.AddrFrom16(b), 64)
		if checkFree(p, used, host) == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, errdefs.Conflictf("no free IPv6 subnet")
}
