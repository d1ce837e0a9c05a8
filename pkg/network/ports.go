package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"

	"github.com/docker/go-connections/nat"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// PortMapping publishes Range consecutive ports (at least 1) of the
// container on the host: HostPort+i -> ContainerPort+i. HostIP empty means
// every address. HostPort 0 means "any free port", chosen by
// AssignHostPorts.
type PortMapping struct {
	HostIP        string `json:"host_ip,omitempty"`
	HostPort      uint16 `json:"host_port"`
	ContainerPort uint16 `json:"container_port"`
	Protocol      string `json:"protocol"` // tcp, udp, sctp
	Range         uint16 `json:"range,omitempty"`
}

// Count is the number of ports the mapping publishes.
func (p PortMapping) Count() int {
	if p.Range == 0 {
		return 1
	}
	return int(p.Range)
}

// String is how `pod port` prints one port of the mapping:
// "80/tcp -> 0.0.0.0:8080".
func (p PortMapping) String() string {
	var b strings.Builder
	for i := 0; i < p.Count(); i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		fmt.Fprintf(&b, "%d/%s -> %s", int(p.ContainerPort)+i, p.Protocol, net.JoinHostPort(ip, strconv.Itoa(int(p.HostPort)+i)))
	}
	return b.String()
}

// ParsePorts parses -p/--publish values: [[ip:][hostPort]:]containerPort[/proto],
// where each port may be a range a-b, and checks that no host port is
// published twice. IPv6 host addresses are written in brackets.
func ParsePorts(specs []string) ([]PortMapping, error) {
	var out []PortMapping
	for _, s := range specs {
		pm, err := parsePort(s)
		if err != nil {
			return nil, fmt.Errorf("invalid --publish %q: %w", s, err)
		}
		out = append(out, pm)
	}
	if err := checkOverlap(out); err != nil {
		return nil, err
	}
	return out, nil
}

// parsePort parses one -p value with go-connections' nat.ParsePortSpec,
// Docker's parser, which gives one mapping per container port; a range
// is kept as one PortMapping.
func parsePort(s string) (PortMapping, error) {
	ms, err := nat.ParsePortSpec(s)
	if err != nil {
		return PortMapping{}, errdefs.InvalidArgument(err)
	}
	first := ms[0]
	pm := PortMapping{Protocol: first.Port.Proto(), ContainerPort: uint16(first.Port.Int())}
	if pm.ContainerPort == 0 {
		return pm, errdefs.InvalidArgumentf("container port 0")
	}
	if ip := first.Binding.HostIP; ip != "" {
		// nat has checked it is an address; 0.0.0.0 and :: mean every one.
		if a, err := netip.ParseAddr(ip); err == nil && !a.IsUnspecified() {
			pm.HostIP = a.String()
		}
	}
	if hp := first.Binding.HostPort; hp != "" {
		// nat reads "8000-8010:80" as "any free port of 8000-8010" and
		// keeps the range in HostPort; pod maps ports one to one.
		n, err := strconv.ParseUint(hp, 10, 16)
		if err != nil {
			return pm, errdefs.InvalidArgumentf("host range %s for one container port: give a container range of the same length", hp)
		}
		if n == 0 {
			return pm, errdefs.InvalidArgumentf("host port 0 (leave it out for a free port)")
		}
		pm.HostPort = uint16(n)
	}
	if len(ms) > 1 {
		pm.Range = uint16(len(ms))
	}
	return pm, nil
}

// checkOverlap refuses two mappings that publish the same host port and
// protocol on overlapping addresses.
func checkOverlap(pms []PortMapping) error {
	type key struct {
		proto string
		port  int
	}
	seen := map[key][]string{}
	for _, pm := range pms {
		if pm.HostPort == 0 {
			continue
		}
		for i := 0; i < pm.Count(); i++ {
			k := key{pm.Protocol, int(pm.HostPort) + i}
			for _, ip := range seen[k] {
				if ip == "" || pm.HostIP == "" || ip == pm.HostIP {
					return errdefs.InvalidArgumentf("host port %d/%s is published twice", k.port, k.proto)
				}
			}
			seen[k] = append(seen[k], pm.HostIP)
		}
	}
	return nil
}

// ExpandExposed turns EXPOSEd ports ("80/tcp", "53/udp", "8000-8001") into
// mappings on free host ports, as -P does.
func ExpandExposed(exposed []string) ([]PortMapping, error) {
	var out []PortMapping
	for _, e := range exposed {
		ms, err := nat.ParsePortSpec(e)
		if err == nil && (ms[0].Binding.HostPort != "" || ms[0].Binding.HostIP != "") {
			err = errors.New("a host address or port is not an exposed port")
		}
		if err != nil {
			return nil, errdefs.InvalidArgumentf("invalid exposed port %q: %w", e, err)
		}
		for _, m := range ms {
			if m.Port.Int() == 0 {
				return nil, errdefs.InvalidArgumentf("invalid exposed port %q: port 0", e)
			}
			out = append(out, PortMapping{ContainerPort: uint16(m.Port.Int()), Protocol: m.Port.Proto()})
		}
	}
	return out, nil
}

// AssignHostPorts gives each mapping without a host port a free one,
// chosen by the kernel. It returns a copy.
func AssignHostPorts(pms []PortMapping) ([]PortMapping, error) {
	out := append([]PortMapping(nil), pms...)
	for i := range out {
		if out[i].HostPort != 0 {
			continue
		}
		if out[i].Count() > 1 {
			return nil, errdefs.InvalidArgumentf("a container port range needs a host port range")
		}
		port, err := freePort(out[i].Protocol, out[i].HostIP)
		if err != nil {
			return nil, err
		}
		out[i].HostPort = port
	}
	return out, nil
}

func freePort(proto, ip string) (uint16, error) {
	addr := net.JoinHostPort(ip, "0")
	if proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return 0, fmt.Errorf("find a free udp port: %w", err)
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("find a free tcp port: %w", err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}

// CheckHostPorts fails with errdefs.ErrConflict if a host port of pms is
// already bound by a process on this host, by trying to bind it. Published
// ports are DNAT rules that nobody binds, so without this check a listening
// host service would silently lose its traffic to the container.
func CheckHostPorts(pms []PortMapping) error {
	for _, pm := range pms {
		if pm.Protocol == "sctp" {
			continue
		}
		for i := 0; i < pm.Count(); i++ {
			port := int(pm.HostPort) + i
			ip := pm.HostIP
			family := "4"
			if ip == "" {
				ip = "0.0.0.0"
			} else if a, err := netip.ParseAddr(ip); err == nil && a.Is6() {
				family = "6"
			}
			addr := net.JoinHostPort(ip, strconv.Itoa(port))
			var err error
			// Bound to the address family the mapping forwards. UDP without
			// SO_REUSEADDR, so a socket on one of the host's addresses is seen
			// from the wildcard address too. TCP with it, as Go's listeners
			// and the port forwarders bind: a listener on any overlapping
			// address still conflicts (Linux never shares a port with a
			// listening socket), but the TIME_WAIT connections a stopped
			// container's forwarder leaves for a minute do not.
			if pm.Protocol == "udp" {
				lc := net.ListenConfig{Control: noReuseAddr}
				var c net.PacketConn
				if c, err = lc.ListenPacket(context.Background(), "udp"+family, addr); err == nil {
					c.Close()
				}
			} else {
				var l net.Listener
				if l, err = net.Listen("tcp"+family, addr); err == nil {
					l.Close()
				}
			}
			if errors.Is(err, syscall.EADDRINUSE) && pm.Protocol != "udp" && onlyTimeWait(family, addr) {
				// Connections the last run served linger in TIME_WAIT;
				// the forwarder (SO_REUSEADDR, as Go listens) binds anyway.
				err = nil
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				return errdefs.Conflictf("host port %d/%s is already bound on the host", port, pm.Protocol)
			}
			if err != nil {
				return fmt.Errorf("check host port %s/%s: %w", addr, pm.Protocol, err)
			}
		}
	}
	return nil
}

func noReuseAddr(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 0)
	})
	return errors.Join(err, serr)
}

// cniPortMappings expands pms into the portmap plugin's runtime config.
func cniPortMappings(pms []PortMapping) []map[string]any {
	var out []map[string]any
	for _, pm := range pms {
		for i := 0; i < pm.Count(); i++ {
			m := map[string]any{
				"hostPort":      int(pm.HostPort) + i,
				"containerPort": int(pm.ContainerPort) + i,
				"protocol":      pm.Protocol,
			}
			if pm.HostIP != "" {
				m["hostIP"] = pm.HostIP
			}
			out = append(out, m)
		}
	}
	return out
}

// onlyTimeWait reports whether a TCP port that a bind without SO_REUSEADDR
// found in use is held only by connections in TIME_WAIT: a listener with
// SO_REUSEADDR (Go's default) binds it, which Linux refuses while any
// socket listens on the port.
func onlyTimeWait(family, addr string) bool {
	l, err := net.Listen("tcp"+family, addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}
