package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"

	"github.com/containernetworking/cni/libcni"
	cnitypes "github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/netns"
)

func (m *Manager) cni() *libcni.CNIConfig {
	return libcni.NewCNIConfigWithCacheDir(m.paths.PluginDirs, filepath.Join(m.paths.RunDir, "cni-cache"), nil)
}

// ifName is the container-side name of the i-th attachment.
func ifName(a Attachment, i int) string {
	if a.InterfaceName != "" {
		return a.InterfaceName
	}
	return fmt.Sprintf("eth%d", i)
}

func runtimeConf(c Container, netnsPath string, a Attachment, i int, ports []PortMapping) *libcni.RuntimeConf {
	caps := map[string]any{}
	if len(ports) > 0 {
		caps["portMappings"] = cniPortMappings(ports)
	}
	var ips []string
	for _, s := range []string{a.IP, a.IP6} {
		if s != "" {
			ips = append(ips, s)
		}
	}
	if len(ips) > 0 {
		caps["ips"] = ips
	}
	if a.MAC != "" {
		caps["mac"] = a.MAC
	}
	return &libcni.RuntimeConf{
		ContainerID:    c.ID,
		NetNS:          netnsPath,
		IfName:         ifName(a, i),
		CapabilityArgs: caps,
	}
}

// How pod attaches a container to a network: its own bridge driver, in
// process (attach_linux.go), or the real CNI plugins for what that driver
// does not do. Either way pod leases the addresses (ipam.go); the plugins get
// them through the static IPAM plugin.
type driver int

const (
	driverInProcess driver = iota // pod's bridge driver
	driverPlugins                 // a CNI plugin chain through libcni
)

// driverOf is the one place that decides how containers are attached to n:
// a bridge network in process, unless it tags a VLAN (pod does not repeat
// the bridge plugin's VLAN filtering); macvlan and ipvlan through their
// plugins.
func driverOf(n *Network) driver {
	if n.Driver == DriverBridge && n.Options["vlan"] == "" {
		return driverInProcess
	}
	return driverPlugins
}

// Setup attaches the network namespace at netnsPath to each network of
// atts (in order: eth0, eth1, ...) and publishes ports on the first one.
// It validates everything it can before touching the host, and on error
// undoes what it did: nothing stays half set up.
func (m *Manager) Setup(ctx context.Context, c Container, netnsPath string, atts []Attachment, ports []PortMapping) (st Status, err error) {
	if m.paths.HostNetNS != "" && !netns.IsNamespace(m.paths.HostNetNS) {
		return nil, fmt.Errorf("network namespace %s of the networks does not exist", m.paths.HostNetNS)
	}
	nets := make([]*Network, len(atts))
	for i, a := range atts {
		n, err := m.load(ctx, a.Network)
		if err != nil {
			return nil, err
		}
		if err := checkStaticIP(n, a.IP); err != nil {
			return nil, err
		}
		if err := checkStaticIP(n, a.IP6); err != nil {
			return nil, err
		}
		if a.MAC != "" {
			if _, err := net.ParseMAC(a.MAC); err != nil {
				return nil, invalidf("invalid MAC address %q", a.MAC)
			}
		}
		if _, err := mtuOf(n); err != nil {
			return nil, err
		}
		nets[i] = n
	}
	if err := CheckHostPorts(ports); err != nil {
		return nil, err
	}
	ip, err := m.openIPAM(ctx)
	if err != nil {
		return nil, err
	}
	defer ip.Close()
	err = m.inHost(func() error {
		st, err = m.setup(ctx, ip, c, netnsPath, atts, nets, ports)
		return err
	})
	return st, err
}

func (m *Manager) setup(ctx context.Context, ip *ipam, c Container, netnsPath string, atts []Attachment, nets []*Network, ports []PortMapping) (Status, error) {
	st := Status{}
	for i, a := range atts {
		var p []PortMapping
		if i == 0 {
			p = ports
		}
		n := nets[i]
		iface, err := m.attachOne(ctx, ip, n, c, netnsPath, a, i, p)
		if err == nil && n.Driver == DriverBridge {
			// After the attachment: the bridge it made is part of what
			// the rules' record identifies.
			err = m.ensureRules(ctx, n)
		}
		if err == nil && n.DNSEnabled {
			err = m.addNames(ctx, n, c, a, iface)
		}
		if err != nil {
			err = fmt.Errorf("set up network %s: %w", a.Network, err)
			// Undo the failed one too: a plugin may have done part of
			// its ADD, and its addresses are leased.
			return nil, errors.Join(err, m.teardown(context.WithoutCancel(ctx), ip, c, netnsPath, atts[:i+1], ports))
		}
		if n.Driver == DriverBridge {
			for _, ip := range iface.IPs {
				if addr, _, err := net.ParseCIDR(ip); err == nil {
					forgetNeighbor(n.NetworkInterface, addr)
				}
			}
		}
		st[a.Network] = iface
	}
	return st, nil
}

// attachOne leases the container's addresses on n and attaches it the way
// driverOf says.
func (m *Manager) attachOne(ctx context.Context, ip *ipam, n *Network, c Container, netnsPath string, a Attachment, i int, ports []PortMapping) (Interface, error) {
	var wants []netip.Addr
	for _, s := range []string{a.IP, a.IP6} {
		if w, err := netip.ParseAddr(s); err == nil {
			wants = append(wants, w)
		}
	}
	name := ifName(a, i)
	addrs, err := ip.acquire(ctx, n, c.ID, name, wants...)
	if err != nil {
		return Interface{}, err
	}
	if m.leased != nil {
		m.leased()
	}
	if driverOf(n) == driverInProcess {
		return m.attach(ctx, n, c, netnsPath, a, name, ports, addrs)
	}
	b, err := attachConflist(n, m.paths, len(ports) > 0, a.MAC != "", addrs)
	if err != nil {
		return Interface{}, err
	}
	list, err := libcni.ConfListFromBytes(b)
	if err != nil {
		return Interface{}, err
	}
	rt := runtimeConf(c, netnsPath, a, i, ports)
	res, err := m.cni().AddNetworkList(ctx, list, rt)
	if err != nil {
		return Interface{}, err
	}
	return statusOf(res, rt.IfName)
}

// Teardown detaches the container from every network of atts, as Setup
// attached them. It is idempotent and tolerates a namespace that is gone or
// networks that were removed (the libcni cache keeps the plugins'
// configuration), so it is also the repair after a crash in the middle of
// Setup. It tries every network and returns all errors.
func (m *Manager) Teardown(ctx context.Context, c Container, netnsPath string, atts []Attachment, ports []PortMapping) error {
	ip, err := m.openIPAM(ctx)
	if err != nil {
		return err
	}
	defer ip.Close()
	return m.inHost(func() error { return m.teardown(ctx, ip, c, netnsPath, atts, ports) })
}

func (m *Manager) teardown(ctx context.Context, ip *ipam, c Container, netnsPath string, atts []Attachment, ports []PortMapping) error {
	cni := m.cni()
	if !netns.IsNamespace(netnsPath) {
		// Gone (or a bare file after a reboot): the host side is undone,
		// and the addresses released, without a namespace.
		netnsPath = ""
	}
	var errs []error
	for i, a := range atts {
		var p []PortMapping
		if i == 0 {
			p = ports
		}
		rt := runtimeConf(c, netnsPath, a, i, p)
		var n *Network
		if row, err := m.db.GetNetwork(ctx, a.Network); err == nil {
			n, _ = fromRow(row)
		}
		// A plugin chain is undone as libcni cached it: it depends on the
		// container (ports, MAC) and on the pod version that attached it
		// (older ones chained per-container NAT, the firewall plugin and
		// host-local IPAM even for bridges pod now attaches itself).
		var list *libcni.NetworkConfigList
		var err error
		cached, _, cerr := cni.GetNetworkListCachedConfig(&libcni.NetworkConfigList{Name: a.Network}, rt)
		switch {
		case cerr == nil && cached != nil:
			list, err = libcni.ConfListFromBytes(cached)
		case n != nil && driverOf(n) == driverPlugins:
			// Not cached: an ADD that failed half-way, or a crash before
			// libcni wrote its cache. Undo what that ADD would have run.
			var b []byte
			if b, err = attachConflist(n, m.paths, len(p) > 0, a.MAC != "", nil); err == nil {
				list, err = libcni.ConfListFromBytes(b)
			}
		default:
			// Attached by pod itself (or never attached).
			err = m.detach(ctx, a.Network, c, netnsPath, ifName(a, i), p)
		}
		if err == nil && list != nil {
			err = cni.DelNetworkList(ctx, list, rt)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("tear down network %s: %w", a.Network, err))
		}
		if err := ip.release(ctx, a.Network, c.ID); err != nil {
			errs = append(errs, err)
		}
		if n != nil && n.DNSEnabled {
			if err := m.removeNames(ctx, n, c); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// statusOf picks the container interface ifName out of a CNI result.
func statusOf(r cnitypes.Result, ifName string) (Interface, error) {
	res, err := types100.NewResultFromResult(r)
	if err != nil {
		return Interface{}, fmt.Errorf("CNI result: %w", err)
	}
	iface := Interface{Name: ifName}
	idx := -1
	for i, in := range res.Interfaces {
		if in.Sandbox != "" && in.Name == ifName {
			idx = i
			iface.MAC = in.Mac
		}
	}
	for _, ip := range res.IPs {
		if ip.Interface != nil && *ip.Interface != idx && idx >= 0 {
			continue
		}
		iface.IPs = append(iface.IPs, ip.Address.String())
		if ip.Gateway != nil {
			iface.Gateways = append(iface.Gateways, ip.Gateway.String())
		}
	}
	return iface, nil
}

// checkStaticIP checks that a --ip address is in one of n's subnets.
func checkStaticIP(n *Network, ip string) error {
	if ip == "" {
		return nil
	}
	a := net.ParseIP(ip)
	if a == nil {
		return invalidf("invalid IP address %q", ip)
	}
	for _, s := range n.Subnets {
		_, ipn, err := net.ParseCIDR(s.Subnet)
		if err == nil && ipn.Contains(a) {
			return nil
		}
	}
	return errdefs.InvalidArgumentf("IP %s is not in a subnet of network %s", ip, n.Name)
}
