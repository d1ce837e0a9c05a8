package api

import (
	"net/http"
	"net/netip"

	"github.com/moby/moby/api/types/network"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	podnet "github.com/pod-engine/pod/pkg/network"
)

func dockerNetwork(n *podnet.Network) network.Inspect {
	out := network.Inspect{
		Network: network.Network{
			Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
			EnableIPv4: true, EnableIPv6: n.IPv6Enabled, Internal: n.Internal,
			IPAM:    network.IPAM{Driver: "default", Options: n.IPAMOptions, Config: []network.IPAMConfig{}},
			Options: n.Options, Labels: n.Labels,
		},
		Containers: map[string]network.EndpointResource{},
	}
	if out.Options == nil {
		out.Options = map[string]string{}
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	for _, s := range n.Subnets {
		c := network.IPAMConfig{}
		c.Subnet, _ = netip.ParsePrefix(s.Subnet)
		c.Gateway, _ = netip.ParseAddr(s.Gateway)
		out.IPAM.Config = append(out.IPAM.Config, c)
	}
	return out
}

// networkFilter is the request's filters= as the engine's network filter,
// nil when there are none.
func networkFilter(req *http.Request) (*engine.NetworkFilter, error) {
	fs, err := filterArgs(req)
	if err != nil || len(fs) == 0 {
		return nil, err
	}
	return engine.ParseNetworkFilters(fs)
}

func (s *Server) networkList(w http.ResponseWriter, req *http.Request) {
	f, err := networkFilter(req)
	if err != nil {
		writeError(w, err)
		return
	}
	ns, err := s.rt.NetworkList(req.Context(), f)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]network.Summary, 0, len(ns))
	for _, n := range ns {
		out = append(out, network.Summary{Network: dockerNetwork(n).Network})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) networkInspect(w http.ResponseWriter, req *http.Request) {
	ns, err := s.rt.NetworkInspect(req.Context(), req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, dockerNetwork(ns[0]))
}

func (s *Server) networkCreate(w http.ResponseWriter, req *http.Request) {
	var cr network.CreateRequest
	if err := decodeJSON(req, &cr, false); err != nil {
		writeError(w, err)
		return
	}
	if cr.Name == "" {
		writeError(w, errdefs.InvalidArgumentf("network create: a name is required"))
		return
	}
	o := podnet.CreateOptions{
		Name: cr.Name, Driver: cr.Driver, Internal: cr.Internal, Labels: cr.Labels, Options: cr.Options,
	}
	if cr.EnableIPv6 != nil {
		o.IPv6 = *cr.EnableIPv6
	}
	if cr.IPAM != nil {
		for _, c := range cr.IPAM.Config {
			if c.Subnet.IsValid() {
				o.Subnets = append(o.Subnets, c.Subnet.String())
				gw := ""
				if c.Gateway.IsValid() {
					gw = c.Gateway.String()
				}
				o.Gateways = append(o.Gateways, gw)
				if c.IPRange.IsValid() {
					o.IPRanges = append(o.IPRanges, c.IPRange.String())
				}
			}
		}
		if len(o.Gateways) > 0 && allEmpty(o.Gateways) {
			o.Gateways = nil
		}
	}
	n, err := s.rt.NetworkCreate(req.Context(), o)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, network.CreateResponse{ID: n.ID})
}

func allEmpty(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return false
		}
	}
	return true
}

func (s *Server) networkDelete(w http.ResponseWriter, req *http.Request) {
	if _, err := s.rt.NetworkRemove(req.Context(), req.PathValue("id"), false); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) networkPrune(w http.ResponseWriter, req *http.Request) {
	f, err := networkFilter(req)
	if err != nil {
		writeError(w, err)
		return
	}
	names, err := s.rt.NetworkPrune(req.Context(), f)
	if err != nil {
		writeError(w, err)
		return
	}
	if names == nil {
		names = []string{}
	}
	writeJSON(w, http.StatusOK, network.PruneReport{NetworksDeleted: names})
}

func (s *Server) networkConnect(w http.ResponseWriter, req *http.Request) {
	var cr network.ConnectRequest
	if err := decodeJSON(req, &cr, false); err != nil {
		writeError(w, err)
		return
	}
	o := engine.ConnectOptions{}
	if ep := cr.EndpointConfig; ep != nil {
		o.Aliases = ep.Aliases
		if ep.IPAMConfig != nil && ep.IPAMConfig.IPv4Address.IsValid() {
			o.IP = ep.IPAMConfig.IPv4Address.String()
		}
		if len(ep.MacAddress) > 0 {
			o.MAC = ep.MacAddress.String()
		}
	}
	if err := s.rt.NetworkConnect(req.Context(), req.PathValue("id"), cr.Container, o); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) networkDisconnect(w http.ResponseWriter, req *http.Request) {
	var dr network.DisconnectRequest
	if err := decodeJSON(req, &dr, false); err != nil {
		writeError(w, err)
		return
	}
	if err := s.rt.NetworkDisconnect(req.Context(), req.PathValue("id"), dr.Container); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
