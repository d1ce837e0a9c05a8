package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Options each driver accepts with -o.
var driverOptions = map[string][]string{
	DriverBridge:  {"mtu", "vlan"},
	DriverMacvlan: {"parent", "mode", "mtu"},
	DriverIPvlan:  {"parent", "mode", "mtu"},
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
		return nil, invalidf("unsupported network driver %q (use bridge, macvlan or ipvlan)", o.Driver)
	}
	for k := range o.Options {
		if !contains(allowed, k) {
			return nil, invalidf("unsupported %s network option %q (supported: %s)", o.Driver, k, strings.Join(allowed, ", "))
		}
	}
	if len(o.Gateways) > len(o.Subnets) || len(o.IPRanges) > len(o.Subnets) {
		return nil, invalidf("every --gateway and --ip-range needs a --subnet")
	}
	// The default network is recorded first (before the lock, which
	// recording it takes): its subnet is one a new network must not use,
	// and its name is taken.
	if _, err := m.load(ctx, DefaultName); err != nil {
		return nil, err
	}
	l, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Release()

	existing, err := m.recorded(ctx)
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
		// podman's name for the IPAM its backend does itself; scripts
		// read it. pod's own lease DB does it here (ipam.go).
		IPAMOptions: map[string]string{"driver": "host-local"},
	}
	if _, err := mtuOf(n); err != nil {
		return nil, err
	}
	if err := intOption(o.Options, "vlan", map[string]any{}, "vlan"); err != nil {
		return nil, err
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
	case DriverMacvlan, DriverIPvlan:
		n.NetworkInterface = o.Options["parent"]
		if n.NetworkInterface == "" {
			return nil, invalidf("a %s network needs -o parent=HOST_INTERFACE", o.Driver)
		}
		if _, err := net.InterfaceByName(n.NetworkInterface); err != nil {
			return nil, invalidf("%s parent interface %s does not exist", o.Driver, n.NetworkInterface)
		}
	}
	row, err := toRow(n)
	if err != nil {
		return nil, err
	}
	if err := m.db.AddNetwork(ctx, row); err != nil {
		return nil, err
	}
	if err := m.keepCopy(n); err != nil {
		return nil, errors.Join(err, m.db.RemoveNetwork(context.WithoutCancel(ctx), n.Name))
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

// hostPrefix is a network the host is on: an interface's address or a
// route's destination, and the link it is on.
type hostPrefix struct {
	prefix netip.Prefix
	link   string
}

// hostPrefixes are the networks of the host's interface addresses and
// routes (the default route aside), so that a new network shadows nothing
// the host reaches: another engine's bridge (podman's 10.88.0.0/16), a VPN,
// a LAN. Reads the calling thread's network namespace.
func hostPrefixes() []hostPrefix {
	var out []hostPrefix
	names := map[int]string{}
	if links, err := netlink.LinkList(); err == nil {
		for _, l := range links {
			names[l.Attrs().Index] = l.Attrs().Name
		}
	}
	if addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL); err == nil {
		for _, a := range addrs {
			ip, ok := netip.AddrFromSlice(a.IP)
			if !ok || a.IPNet == nil {
				continue
			}
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsLinkLocalUnicast() {
				continue
			}
			ones, _ := a.Mask.Size()
			out = append(out, hostPrefix{netip.PrefixFrom(ip, ones).Masked(), names[a.LinkIndex]})
		}
	}
	if routes, err := netlink.RouteList(nil, netlink.FAMILY_ALL); err == nil {
		for _, r := range routes {
			if r.Dst == nil {
				continue // the default route
			}
			ip, ok := netip.AddrFromSlice(r.Dst.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			ones, _ := r.Dst.Mask.Size()
			p := netip.PrefixFrom(ip, ones).Masked()
			if ones == 0 || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() {
				continue
			}
			out = append(out, hostPrefix{p, names[r.LinkIndex]})
		}
	}
	return out
}

func checkFree(sub netip.Prefix, used []netip.Prefix, host []hostPrefix) error {
	for _, u := range used {
		if u.Overlaps(sub) {
			return errdefs.Conflictf("subnet %s overlaps subnet %s of another network", sub, u)
		}
	}
	for _, u := range host {
		if u.prefix.Overlaps(sub) {
			return errdefs.Conflictf("subnet %s overlaps %s, in use on the host (%s)", sub, u.prefix, u.link)
		}
	}
	return nil
}

// freeSubnet4 picks the first /24 from 10.89.0.0 up to 10.255.255.0 that
// no network of this installation, host address or route uses: podman's
// default subnet pools (10.89.0.0/16, 10.90.0.0/15, 10.92.0.0/14,
// 10.96.0.0/11, 10.128.0.0/9), in its order.
func freeSubnet4(used []netip.Prefix, host []hostPrefix) (netip.Prefix, error) {
	for i := 89 << 8; i < 256<<8; i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
		if checkFree(p, used, host) == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, errdefs.Conflictf("no free subnet in 10.89.0.0-10.255.255.255")
}

// chooseDefaultSubnet picks the default network's subnet when an
// installation first uses it. The default bridge pod0 is shared by every
// pod installation on the host (as is the lease DB): when it exists, its
// subnet is the one. Else the last /24 of podman's pools (10.255.255.0
// down to 10.89.0.0) that nothing uses. Never podman's 10.88.0.0/16:
// podman gives its default network that subnet without looking and makes
// its bridge only when its first container starts. And from the top, as
// `network create` of podman and pod take the first free /24 from
// 10.89.0.0 up while pod0 may not be up yet for them to see.
func chooseDefaultSubnet(used []netip.Prefix, host []hostPrefix) (netip.Prefix, error) {
	for _, h := range host {
		if h.link == DefaultBridge && h.prefix.Addr().Is4() {
			return h.prefix, nil
		}
	}
	for i := 256<<8 - 1; i >= 89<<8; i-- {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
		if checkFree(p, used, host) == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, errdefs.Conflictf("no free subnet in 10.89.0.0-10.255.255.255")
}

// freeSubnet6 picks a unique-local /64 derived from the network ID.
func freeSubnet6(id string, used []netip.Prefix, host []hostPrefix) (netip.Prefix, error) {
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
