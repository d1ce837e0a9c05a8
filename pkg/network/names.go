package network

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"

	"github.com/pod-engine/pod/pkg/nameserver"
)

func (m *Manager) dnsDir(n *Network) nameserver.Dir {
	return nameserver.Dir(filepath.Join(m.paths.RunDir, "dns", n.Name))
}

// NameServers are the addresses a container on n should use as its
// resolvers: n's gateways when n has name resolution, else none.
func NameServers(n *Network) []string {
	if !n.DNSEnabled {
		return nil
	}
	var out []string
	for _, s := range n.Subnets {
		if s.Gateway != "" {
			out = append(out, s.Gateway)
		}
	}
	return out
}

// addNames registers the container's names and aliases on n and makes sure
// n's name server runs.
func (m *Manager) addNames(ctx context.Context, n *Network, c Container, a Attachment, iface Interface) error {
	d := m.dnsDir(n)
	l, err := d.Lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	recs, err := d.Read()
	if err != nil {
		return err
	}
	e := nameserver.Entry{Names: append(append([]string{}, c.Names...), a.Aliases...)}
	for _, ip := range iface.IPs {
		if p, err := netip.ParsePrefix(ip); err == nil {
			e.IPs = append(e.IPs, p.Addr().String())
		}
	}
	recs[c.ID] = e
	if err := d.Write(recs); err != nil {
		return err
	}
	if err := d.Start(ctx, NameServers(n), m.paths.DNSUpstreams); err != nil {
		delete(recs, c.ID)
		return errors.Join(err, d.Write(recs))
	}
	return nil
}

// removeNames drops the container's names from n and stops n's name
// server when no container is left.
func (m *Manager) removeNames(ctx context.Context, n *Network, c Container) error {
	d := m.dnsDir(n)
	l, err := d.Lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	recs, err := d.Read()
	if err != nil {
		return err
	}
	delete(recs, c.ID)
	if err := d.Write(recs); err != nil {
		return err
	}
	if len(recs) == 0 {
		return d.Stop()
	}
	return nil
}
