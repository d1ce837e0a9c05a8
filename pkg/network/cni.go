package network

import (
	"context"
	"errors"
	"fmt"
	"net"
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
	if a.IP != "" {
		caps["ips"] = []string{a.IP}
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

// Setup attaches the network namespace at netnsPath to each network of
// atts (in order: eth0, eth1, ...) and publishes ports on the first one.
// It validates everything it can before touching the host, and on error
// undoes what it did: nothing stays half set up.
func (m *Manager) Setup(ctx context.Context, c Container, netnsPath string, atts []Attachment, ports []PortMapping) (st Status, err error) {
	if m.paths.HostNetNS != "" && !netns.IsNamespace(m.paths.HostNetNS) {
		return nil, fmt.Errorf("network namespace %s of the networks does not exist", m.paths.HostNetNS)
	}
	err = m.inHost(func() error {
		st, err = m.setup(ctx, c, netnsPath, atts, ports)
		return err
	})
	return st, err
}

func (m *Manager) setup(ctx context.Context, c Container, netnsPath string, atts []Attachment, ports []PortMapping) (Status, error) {
	lists := make([]*libcni.NetworkConfigList, len(atts))
	nets := make([]*Network, len(atts))
	for i, a := range atts {
		if a.Network == DefaultName {
			if err := m.ensureDefault(ctx); err != nil {
				return nil, err
			}
		}
		n, err := m.load(a.Network)
		if err != nil {
			return nil, err
		}
		if err := checkStaticIP(n, a.IP); err != nil {
			return nil, err
		}
		if a.MAC != "" {
			if _, err := net.ParseMAC(a.MAC); err != nil {
				return nil, invalidf("invalid MAC address %q", a.MAC)
			}
		}
		nets[i] = n
		if inProcess(n) {
			if _, err := mtuOf(n); err != nil {
				return nil, err
			}
			continue
		}
		b, err := attachConflist(n, m.paths, i == 0 && len(ports) > 0, a.MAC != "")
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", a.Network, err)
		}
		if lists[i], err = libcni.ConfListFromBytes(b); err != nil {
			return nil, fmt.Errorf("network %s: %w", a.Network, err)
		}
	}
	if err := CheckHostPorts(ports); err != nil {
		return nil, err
	}
	cni := m.cni()
	st := Status{}
	for i, a := range atts {
		var p []PortMapping
		if i == 0 {
			p = ports
		}
		var iface Interface
		var err error
		if inProcess(nets[i]) {
			// attach undoes its own part on error.
			if iface, err = m.attach(ctx, nets[i], c, netnsPath, a, ifName(a, i), p); err != nil {
				err = fmt.Errorf("set up network %s: %w", a.Network, err)
				return nil, errors.Join(err, m.teardown(context.WithoutCancel(ctx), c, netnsPath, atts[:i], ports))
			}
		} else {
			rt := runtimeConf(c, netnsPath, a, i, p)
			var res cnitypes.Result
			if res, err = cni.AddNetworkList(ctx, lists[i], rt); err != nil {
				err = fmt.Errorf("set up network %s: %w", a.Network, err)
				// DEL the failed one too: a plugin may have done part of its ADD.
				return nil, errors.Join(err, m.teardown(context.WithoutCancel(ctx), c, netnsPath, atts[:i+1], ports))
			}
			iface, err = statusOf(res, rt.IfName)
		}
		if err == nil && nets[i].Driver == DriverBridge {
			// After the ADD: the bridge it made is part of what the
			// rules' record identifies.
			err = m.ensureRules(ctx, nets[i])
		}
		if err == nil && nets[i].DNSEnabled {
			err = m.addNames(ctx, nets[i], c, a, iface)
		}
		if err != nil {
			return nil, errors.Join(err, m.teardown(context.WithoutCancel(ctx), c, netnsPath, atts[:i+1], ports))
		}
		if nets[i].Driver == DriverBridge {
			for _, ip := range iface.IPs {
				if addr, _, err := net.ParseCIDR(ip); err == nil {
					forgetNeighbor(nets[i].NetworkInterface, addr)
				}
			}
		}
		st[a.Network] = iface
	}
	return st, nil
}

// Teardown detaches the container from every network of atts, as Setup
// attached them. It is idempotent and tolerates a namespace that is gone or
// networks that were removed (the libcni cache keeps their configuration),
// so it is also the repair after a crash in the middle of Setup. It tries
// every network and returns all errors.
func (m *Manager) Teardown(ctx context.Context, c Container, netnsPath string, atts []Attachment, ports []PortMapping) error {
	return m.inHost(func() error { return m.teardown(ctx, c, netnsPath, atts, ports) })
}

func (m *Manager) teardown(ctx context.Context, c Container, netnsPath string, atts []Attachment, ports []PortMapping) error {
	cni := m.cni()
	if !netns.IsNamespace(netnsPath) {
		// Gone (or a bare file after a reboot): the plugins clean up the
		// host side, and release the address, without a namespace.
		netnsPath = ""
	}
	var errs []error
	for i, a := range atts {
		var p []PortMapping
		if i == 0 {
			p = ports
		}
		rt := runtimeConf(c, netnsPath, a, i, p)
		n, err := m.load(a.Network)
		if err != nil {
			n = nil
		}
		// DEL runs what ADD ran, as libcni cached it: the chain depends on
		// the container (ports, MAC) and on the pod version that attached
		// it (older ones chained per-container NAT and the firewall plugin).
		var list *libcni.NetworkConfigList
		cached, _, cerr := cni.GetNetworkListCachedConfig(&libcni.NetworkConfigList{Name: a.Network}, rt)
		switch {
		case cerr == nil && cached != nil:
			list, err = libcni.ConfListFromBytes(cached)
		case n == nil || inProcess(n):
			// Attached by pod itself (or never attached).
			if err := m.detach(ctx, a.Network, c, netnsPath, ifName(a, i), p); err != nil {
				errs = append(errs, fmt.Errorf("tear down network %s: %w", a.Network, err))
			}
			if n != nil && n.DNSEnabled {
				if err := m.removeNames(ctx, n, c); err != nil {
					errs = append(errs, err)
				}
			}
			continue
		case n != nil:
			// Not cached: an ADD that failed half-way, or a crash before
			// libcni wrote its cache. Undo what that ADD would have run.
			var b []byte
			if b, err = attachConflist(n, m.paths, len(p) > 0, a.MAC != ""); err == nil {
				list, err = libcni.ConfListFromBytes(b)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("tear down network %s: %w", a.Network, err))
			continue
		}
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			errs = append(errs, fmt.Errorf("tear down network %s: %w", a.Network, err))
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
