package engine

import (
	mobynet "github.com/moby/moby/api/types/network"
	"net/netip"

	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/slirp"
)

// InspectNetworkSettings is inspect's NetworkSettings, in Docker's shape:
// the first network's address at the top, every network under Networks,
// and the published ports as "80/tcp": [{HostIp, HostPort}].
type InspectNetworkSettings struct {
	SandboxKey  string                     `json:"SandboxKey"`
	IPAddress   string                     `json:"IPAddress"`
	IPPrefixLen int                        `json:"IPPrefixLen"`
	Gateway     string                     `json:"Gateway"`
	MacAddress  string                     `json:"MacAddress"`
	Ports       mobynet.PortMap            `json:"Ports"`
	Networks    map[string]InspectEndpoint `json:"Networks,omitempty"`
}

// InspectEndpoint is one network of NetworkSettings.Networks.
type InspectEndpoint struct {
	NetworkID   string   `json:"NetworkID,omitempty"`
	Aliases     []string `json:"Aliases"`
	IPAddress   string   `json:"IPAddress"`
	IPPrefixLen int      `json:"IPPrefixLen"`
	Gateway     string   `json:"Gateway"`
	MacAddress  string   `json:"MacAddress"`
}

// networkSettings reads what the container's current run got on the
// network; a container that does not run has only its configured ports.
func (r *Runtime) networkSettings(c *Container) InspectNetworkSettings {
	ns := InspectNetworkSettings{Ports: mobynet.PortMap{}}
	// A port not bound now (the container does not run) shows as null.
	for k := range PortMap(c.Config.Ports, "") {
		ns.Ports[k] = nil
	}
	if !isActive(c.Status) {
		return ns
	}
	nr, err := r.readNetRun(c.ID)
	if err != nil {
		return ns
	}
	ns.SandboxKey = nr.NetNS
	for k, b := range PortMap(nr.Ports, "0.0.0.0") {
		ns.Ports[k] = b
	}
	if nr.Mode == netModeSlirp {
		ns.IPAddress, ns.IPPrefixLen, ns.Gateway = slirp.ContainerIP, 24, slirp.Gateway
		return ns
	}
	ns.Networks = map[string]InspectEndpoint{}
	for i, a := range nr.Attachments {
		st := nr.Status[a.Network]
		ep := InspectEndpoint{NetworkID: network.ID(a.Network), Aliases: append([]string{shortID(c.ID)}, a.Aliases...), MacAddress: st.MAC}
		if len(st.IPs) > 0 {
			if p, err := netip.ParsePrefix(st.IPs[0]); err == nil {
				ep.IPAddress, ep.IPPrefixLen = p.Addr().String(), p.Bits()
			}
		}
		if len(st.Gateways) > 0 {
			ep.Gateway = st.Gateways[0]
		}
		ns.Networks[a.Network] = ep
		if i == 0 {
			ns.IPAddress, ns.IPPrefixLen, ns.Gateway, ns.MacAddress = ep.IPAddress, ep.IPPrefixLen, ep.Gateway, ep.MacAddress
		}
	}
	return ns
}

// fillNetworks sets the ports (of running containers: their current run's
// host ports) and network names that ps shows. One small file read per
// running container.
func (r *Runtime) fillNetworks(cs []*ListedContainer) {
	for _, lc := range cs {
		for _, a := range lc.Config.Networks {
			lc.Networks = append(lc.Networks, a.Network)
		}
		if !isActive(lc.Status) {
			continue
		}
		if nr, err := r.readNetRun(lc.ID); err == nil {
			lc.Ports = nr.Ports
		}
	}
}
