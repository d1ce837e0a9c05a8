package network

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	"github.com/containernetworking/cni/libcni"
	cnitypes "github.com/containernetworking/cni/pkg/types"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/netns"
)

// pod attaches a container to a bridge network itself, over netlink, as
// the bridge plugin would: a veth pair whose container end is made
// directly in the container's namespace, the addresses pod leased (see
// ipam.go), the gateway's routes. Two plugin processes for ADD and two for
// DEL are what a container start and removal spent most of their network
// time on. Only published ports still go through a plugin (portmap, via
// libcni, with this attachment as its previous result).

func mtuOf(n *Network) (int, error) {
	v, ok := n.Options["mtu"]
	if !ok {
		return 0, nil
	}
	mtu, err := strconv.Atoi(v)
	if err != nil || mtu < 0 {
		return 0, invalidf("option mtu=%q is not a number", v)
	}
	return mtu, nil
}

// attach connects the namespace at nsPath to bridge network n as ifName,
// with addrs (one per subnet of n). On error nothing of it is left but the
// leases, which the caller gives back. The caller is in the networks'
// namespace.
func (m *Manager) attach(ctx context.Context, n *Network, c Container, nsPath string, a Attachment, ifName string, ports []PortMapping, addrs []netip.Addr) (iface Interface, err error) {
	mtu, err := mtuOf(n)
	if err != nil {
		return iface, err
	}
	var mac net.HardwareAddr
	if a.MAC != "" {
		if mac, err = net.ParseMAC(a.MAC); err != nil {
			return iface, invalidf("invalid MAC address %q", a.MAC)
		}
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, m.detach(context.WithoutCancel(ctx), n.Name, c, nsPath, ifName, ports))
		}
	}()

	br, err := ensureBridge(n, mtu)
	if err != nil {
		return iface, err
	}
	nsf, err := os.Open(nsPath)
	if err != nil {
		return iface, fmt.Errorf("open netns: %w", err)
	}
	defer nsf.Close()
	var host netlink.Link
	for try := 0; ; try++ {
		b := make([]byte, 4)
		rand.Read(b)
		v := &netlink.Veth{
			LinkAttrs:        netlink.LinkAttrs{Name: "veth" + hex.EncodeToString(b), MTU: mtu, MasterIndex: br.Attrs().Index},
			PeerName:         ifName,
			PeerNamespace:    netlink.NsFd(int(nsf.Fd())),
			PeerHardwareAddr: mac,
		}
		if mtu > 0 {
			v.PeerMTU = uint32(mtu)
		}
		err = netlink.LinkAdd(v)
		if err == nil {
			host = v
			break
		}
		if !errors.Is(err, unix.EEXIST) || try == 3 {
			return iface, fmt.Errorf("create veth pair for %s: %w", ifName, err)
		}
		// The host end's random name, or the container's interface, is
		// taken: tell which.
		var taken bool
		netns.Do(nsPath, func() error {
			_, lerr := netlink.LinkByName(ifName)
			taken = lerr == nil
			return nil
		})
		if taken {
			return iface, fmt.Errorf("container interface %s already exists", ifName)
		}
	}
	if err := netlink.LinkSetHairpin(host, true); err != nil {
		return iface, fmt.Errorf("hairpin mode on %s: %w", host.Attrs().Name, err)
	}
	if err := netlink.LinkSetUp(host); err != nil {
		return iface, fmt.Errorf("set %s up: %w", host.Attrs().Name, err)
	}

	iface = Interface{Name: ifName}
	err = netns.Do(nsPath, func() error {
		l, err := netlink.LinkByName(ifName)
		if err != nil {
			return fmt.Errorf("find %s: %w", ifName, err)
		}
		for i, addr := range addrs {
			sub, _ := netip.ParsePrefix(n.Subnets[i].Subnet)
			p := netip.PrefixFrom(addr, sub.Bits())
			na := &netlink.Addr{IPNet: prefixNet(p)}
			if addr.Is6() {
				// No duplicate address detection: the lease is the proof,
				// and the address is usable at once.
				na.Flags = unix.IFA_F_NODAD
			}
			if err := netlink.AddrAdd(l, na); err != nil {
				return fmt.Errorf("add address %s to %s: %w", p, ifName, err)
			}
			iface.IPs = append(iface.IPs, p.String())
			if n.Subnets[i].Gateway != "" {
				iface.Gateways = append(iface.Gateways, n.Subnets[i].Gateway)
			}
		}
		// Announce the addresses when the link comes up (gratuitous ARP),
		// as the bridge plugin does: an address is often one a removed
		// container had, and its neighbours' caches still name that
		// container's MAC. Best effort.
		_ = os.WriteFile("/proc/sys/net/ipv4/conf/"+ifName+"/arp_notify", []byte("1"), 0o644)
		if err := netlink.LinkSetUp(l); err != nil {
			return fmt.Errorf("set %s up: %w", ifName, err)
		}
		if !n.Internal {
			for _, s := range n.Subnets {
				gw, err := netip.ParseAddr(s.Gateway)
				if err != nil {
					continue
				}
				dst := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
				if gw.Is6() {
					dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
				}
				r := &netlink.Route{LinkIndex: l.Attrs().Index, Dst: prefixNet(dst), Gw: net.IP(gw.AsSlice())}
				if err := netlink.RouteAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
					return fmt.Errorf("add default route via %s: %w", gw, err)
				}
			}
		}
		iface.MAC = l.Attrs().HardwareAddr.String()
		return nil
	})
	if err != nil {
		return iface, err
	}
	if len(ports) > 0 {
		if err := m.publish(ctx, n, c, nsPath, iface, ports); err != nil {
			return iface, err
		}
	}
	return iface, nil
}

// detach undoes attach but for the leases: the published ports, the veth
// pair (deleting the container's end deletes both; with the namespace gone
// both are gone already). Idempotent.
func (m *Manager) detach(ctx context.Context, network string, c Container, nsPath, ifName string, ports []PortMapping) error {
	var errs []error
	errs = append(errs, m.unpublish(ctx, network, c, nsPath, ifName, ports))
	if nsPath != "" && netns.IsNamespace(nsPath) {
		errs = append(errs, netns.Do(nsPath, func() error {
			l, err := netlink.LinkByName(ifName)
			if err != nil {
				return nil
			}
			if err := netlink.LinkDel(l); err != nil {
				return fmt.Errorf("delete %s: %w", ifName, err)
			}
			return nil
		}))
	}
	return errors.Join(errs...)
}

// ensureBridge makes n's bridge if it is missing, up, with the gateway
// addresses, and turns on forwarding, as the bridge plugin does with
// isGateway.
func ensureBridge(n *Network, mtu int) (netlink.Link, error) {
	name := n.NetworkInterface
	l, err := netlink.LinkByName(name)
	if err != nil {
		if _, ok := err.(netlink.LinkNotFoundError); !ok {
			return nil, fmt.Errorf("find bridge %s: %w", name, err)
		}
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name, MTU: mtu, TxQLen: -1}}
		if err := netlink.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("create bridge %s: %w", name, err)
		}
		if l, err = netlink.LinkByName(name); err != nil {
			return nil, fmt.Errorf("find bridge %s: %w", name, err)
		}
	}
	if l.Type() != "bridge" {
		return nil, fmt.Errorf("%s is not a bridge: %w", name, os.ErrExist)
	}
	if l.Attrs().Flags&net.FlagUp == 0 {
		if err := netlink.LinkSetUp(l); err != nil {
			return nil, fmt.Errorf("set bridge %s up: %w", name, err)
		}
	}
	have, err := netlink.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", name, err)
	}
	v4, v6 := false, false
	for _, s := range n.Subnets {
		sub, err := netip.ParsePrefix(s.Subnet)
		if err != nil {
			continue
		}
		v4, v6 = v4 || sub.Addr().Is4(), v6 || sub.Addr().Is6()
		gw, err := netip.ParseAddr(s.Gateway)
		if err != nil {
			continue
		}
		p := netip.PrefixFrom(gw, sub.Bits())
		found := false
		for _, h := range have {
			found = found || h.IPNet.String() == prefixNet(p).String()
		}
		if found {
			continue
		}
		a := &netlink.Addr{IPNet: prefixNet(p)}
		if gw.Is6() {
			a.Flags = unix.IFA_F_NODAD
		}
		if err := netlink.AddrAdd(l, a); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("add gateway %s to %s: %w", p, name, err)
		}
	}
	if v4 {
		if err := enableSysctl("/proc/sys/net/ipv4/ip_forward"); err != nil {
			return nil, err
		}
	}
	if v6 {
		if err := enableSysctl("/proc/sys/net/ipv6/conf/all/forwarding"); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// enableSysctl writes 1 to path unless it holds 1 already. /proc/sys/net
// is the calling thread's network namespace's.
func enableSysctl(path string) error {
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 && b[0] == '1' {
		return nil
	}
	if err := os.WriteFile(path, []byte("1"), 0o644); err != nil {
		return fmt.Errorf("enable forwarding: %w", err)
	}
	return nil
}

func prefixNet(p netip.Prefix) *net.IPNet {
	bits := p.Addr().BitLen()
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}

// portsName is the name libcni caches a container's portmap run under,
// apart from the network's own chain.
func portsName(network string) string { return network + ".ports" }

// portsConf is the portmap plugin's configuration with iface, on n, as
// its previous result: the container's addresses it forwards to.
func portsConf(network, nsPath string, iface Interface) (*libcni.NetworkConfig, error) {
	type ifc struct {
		Name    string `json:"name"`
		MAC     string `json:"mac,omitempty"`
		Sandbox string `json:"sandbox"`
	}
	type ipc struct {
		Interface int    `json:"interface"`
		Address   string `json:"address"`
		Gateway   string `json:"gateway,omitempty"`
	}
	prev := struct {
		CNIVersion string `json:"cniVersion"`
		Interfaces []ifc  `json:"interfaces"`
		IPs        []ipc  `json:"ips"`
	}{CNIVersion: cniVersion, Interfaces: []ifc{{Name: iface.Name, MAC: iface.MAC, Sandbox: nsPath}}}
	for i, ip := range iface.IPs {
		x := ipc{Address: ip}
		if i < len(iface.Gateways) {
			x.Gateway = iface.Gateways[i]
		}
		prev.IPs = append(prev.IPs, x)
	}
	b, err := json.Marshal(map[string]any{
		"cniVersion":   cniVersion,
		"name":         portsName(network),
		"type":         "portmap",
		"capabilities": map[string]bool{"portMappings": true},
		"prevResult":   prev,
	})
	if err != nil {
		return nil, err
	}
	return libcni.ConfFromBytes(b)
}

// publish runs portmap's ADD for the container's ports.
func (m *Manager) publish(ctx context.Context, n *Network, c Container, nsPath string, iface Interface, ports []PortMapping) error {
	conf, err := portsConf(n.Name, nsPath, iface)
	if err != nil {
		return err
	}
	rt := runtimeConf(c, nsPath, Attachment{InterfaceName: iface.Name}, 0, ports)
	if _, err := m.cni().AddNetwork(ctx, conf, rt); err != nil {
		return fmt.Errorf("publish ports on network %s: %w", n.Name, err)
	}
	return nil
}

// unpublish runs portmap's DEL when ADD ran (libcni cached it) or ports
// are given; else there is nothing of portmap's to undo.
func (m *Manager) unpublish(ctx context.Context, network string, c Container, nsPath, ifName string, ports []PortMapping) error {
	cni := m.cni()
	rt := runtimeConf(c, nsPath, Attachment{InterfaceName: ifName}, 0, ports)
	var conf *libcni.NetworkConfig
	probe := &libcni.PluginConfig{Network: &cnitypes.PluginConf{Name: portsName(network)}}
	if cached, _, err := cni.GetNetworkCachedConfig(probe, rt); err == nil && cached != nil {
		conf, err = libcni.ConfFromBytes(cached)
		if err != nil {
			return fmt.Errorf("unpublish ports on network %s: %w", network, err)
		}
	} else if len(ports) > 0 {
		if conf, err = portsConf(network, nsPath, Interface{Name: ifName}); err != nil {
			return err
		}
	} else {
		return nil
	}
	if err := cni.DelNetwork(ctx, conf, rt); err != nil {
		return fmt.Errorf("unpublish ports on network %s: %w", network, err)
	}
	return nil
}
