package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/network"
)

// ConnectOptions are `network connect`'s flags.
type ConnectOptions struct {
	Aliases []string
	IP      string
	IP6     string // a static IPv6 address, on a network with an IPv6 subnet
	MAC     string
}

// freeIfName is the first ethN no attachment uses.
func freeIfName(atts []network.Attachment) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("eth%d", i)
		used := false
		for _, a := range atts {
			used = used || a.InterfaceName == name
		}
		if !used {
			return name
		}
	}
}

// saveNetworks writes c's attachment rows and its config: the attachments
// first, so that a network removed meanwhile fails the connect before the
// config names it.
func (r *Runtime) saveNetworks(ctx context.Context, c *Container) error {
	if err := r.db.SetAttachments(ctx, c.ID, stateAttachments(c.ID, c.Config.Networks)); err != nil {
		return err
	}
	return r.saveConfig(ctx, c)
}

// saveConfig writes c.Config back into its DB row.
func (r *Runtime) saveConfig(ctx context.Context, c *Container) error {
	b, err := json.Marshal(c.Config)
	if err != nil {
		return err
	}
	c.Container.Config = b
	if err := r.db.Update(ctx, c.Container); err != nil {
		return err
	}
	r.saveRecord(c.Container)
	return nil
}

// NetworkConnect attaches a container to one more network; a running
// container gets the new interface at once.
func (r *Runtime) NetworkConnect(ctx context.Context, netName, idOrName string, o ConnectOptions) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	n, err := r.networks().Inspect(ctx, netName)
	if err != nil {
		return err
	}
	if c.Config.NetworkMode != netModeBridge {
		return invalidf("container %s does not use bridge networks (network mode %q): it cannot be connected", c.Name, c.Config.NetworkMode)
	}
	for _, a := range c.Config.Networks {
		if a.Network == n.Name {
			return errdefs.AlreadyExistsf("container %s is already connected to network %s", c.Name, n.Name)
		}
	}
	if o.IP != "" {
		if _, err := netip.ParseAddr(o.IP); err != nil {
			return invalidf("invalid --ip %q: not an IP address", o.IP)
		}
	}
	if o.IP6 != "" {
		if a, err := netip.ParseAddr(o.IP6); err != nil || !a.Is6() || a.Is4In6() {
			return invalidf("invalid --ip6 %q: not an IPv6 address", o.IP6)
		}
	}
	a := network.Attachment{Network: n.Name, InterfaceName: freeIfName(c.Config.Networks), IP: o.IP, IP6: o.IP6, MAC: o.MAC}
	if n.DNSEnabled {
		a.Aliases = o.Aliases
	}
	var addrs map[string][]string
	if isActive(c.Status) {
		nr, err := r.readNetRun(c.ID)
		if err != nil {
			return fmt.Errorf("network state of %s: %w", c.Name, err)
		}
		st, err := r.networks().Setup(ctx, netContainer(c), nr.NetNS, []network.Attachment{a}, nil)
		if err != nil {
			return err
		}
		nr.Attachments = append(nr.Attachments, a)
		if nr.Status == nil {
			nr.Status = network.Status{}
		}
		nr.Status[n.Name] = st[n.Name]
		if err := r.writeNetRun(c.ID, nr); err != nil {
			return errors.Join(err, r.networks().Teardown(context.WithoutCancel(ctx), netContainer(c), nr.NetNS, []network.Attachment{a}, nil))
		}
		if err := r.editHosts(c, ifaceAddrs(st[n.Name]), nil); err != nil {
			return err
		}
		addrs = statusAddrs(st)
	}
	c.Config.Networks = append(c.Config.Networks, a)
	r.networkConnectEvent(ctx, "connect", c.Container, n.Name)
	if err := r.saveNetworks(ctx, c); err != nil {
		return err
	}
	if addrs != nil {
		return r.db.SetAttachmentAddresses(ctx, c.ID, addrs)
	}
	return nil
}

// NetworkDisconnect detaches a container from a network; a running
// container loses the interface at once.
func (r *Runtime) NetworkDisconnect(ctx context.Context, netName, idOrName string) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	n, err := r.networks().Inspect(ctx, netName)
	if err != nil {
		return err
	}
	idx := -1
	for i, a := range c.Config.Networks {
		if a.Network == n.Name {
			idx = i
		}
	}
	if idx < 0 {
		return errdefs.NotFoundf("container %s is not connected to network %s", c.Name, n.Name)
	}
	if isActive(c.Status) {
		nr, err := r.readNetRun(c.ID)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if nr != nil {
			for i, a := range nr.Attachments {
				if a.Network != n.Name {
					continue
				}
				var ports []network.PortMapping
				if i == 0 {
					ports = nr.Ports // published through the first network
				}
				if err := r.networks().Teardown(ctx, netContainer(c), nr.NetNS, []network.Attachment{a}, ports); err != nil {
					return err
				}
				if err := r.editHosts(c, nil, ifaceAddrs(nr.Status[n.Name])); err != nil {
					return err
				}
				nr.Attachments = append(nr.Attachments[:i:i], nr.Attachments[i+1:]...)
				if i == 0 {
					nr.Ports = nil
				}
				delete(nr.Status, n.Name)
				if err := r.writeNetRun(c.ID, nr); err != nil {
					return err
				}
				break
			}
		}
	}
	c.Config.Networks = append(c.Config.Networks[:idx:idx], c.Config.Networks[idx+1:]...)
	r.networkConnectEvent(ctx, "disconnect", c.Container, n.Name)
	return r.saveNetworks(ctx, c)
}

// NetworkReload re-applies the network set-up of running containers (all
// with all, else those named): each is detached and attached again with the
// same addresses, MACs and ports, which restores firewall rules that were
// flushed. It returns the IDs of the containers reloaded.
func (r *Runtime) NetworkReload(ctx context.Context, all bool, idsOrNames []string) ([]string, error) {
	var targets []*Container
	if all {
		cs, err := r.Containers(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if isActive(c.Status) && c.Config.NetworkMode == netModeBridge {
				targets = append(targets, c)
			}
		}
	} else {
		for _, n := range idsOrNames {
			c, err := r.get(ctx, n)
			if err != nil {
				return nil, err
			}
			targets = append(targets, c)
		}
	}
	var done []string
	var errs []error
	for _, c := range targets {
		if err := r.reloadOne(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("reload %s: %w", c.Name, err))
			continue
		}
		done = append(done, c.ID)
	}
	return done, errors.Join(errs...)
}

func (r *Runtime) reloadOne(ctx context.Context, c *Container) error {
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	if c, err = r.syncLocked(ctx, c.ID); err != nil {
		return err
	}
	if !isActive(c.Status) || c.Config.NetworkMode != netModeBridge {
		return errdefs.Conflictf("container %s is not running on a bridge network", c.Name)
	}
	nr, err := r.readNetRun(c.ID)
	if err != nil {
		return err
	}
	m := r.networks()
	if err := m.Teardown(ctx, netContainer(c), nr.NetNS, nr.Attachments, nr.Ports); err != nil {
		return err
	}
	// Same addresses and MACs as before.
	atts := append([]network.Attachment(nil), nr.Attachments...)
	for i, a := range atts {
		if st, ok := nr.Status[a.Network]; ok {
			if len(st.IPs) > 0 {
				if p, err := netip.ParsePrefix(st.IPs[0]); err == nil {
					atts[i].IP = p.Addr().String()
				}
			}
			if st.MAC != "" {
				atts[i].MAC = st.MAC
			}
		}
	}
	// Reload is the repair after the host's firewall was flushed: the
	// networks' own rules are written again too, not only the container's.
	names := make([]string, len(atts))
	for i, a := range atts {
		names[i] = a.Network
	}
	if err := m.ReloadRules(names...); err != nil {
		return err
	}
	st, err := m.Setup(ctx, netContainer(c), nr.NetNS, atts, nr.Ports)
	if err != nil {
		return err
	}
	nr.Status = st
	return r.writeNetRun(c.ID, nr)
}
