package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/nameserver"
	"github.com/pod-engine/pod/pkg/netns"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/slirp"
	"github.com/pod-engine/pod/pkg/spec"
	"github.com/pod-engine/pod/pkg/state"
)

// netRun is what a run of a container holds on the network. It is written
// before anything is set up, so that a crash in the middle of the set-up is
// undone by the next teardown, and removed once everything is torn down.
type netRun struct {
	Mode  string `json:"mode"`
	NetNS string `json:"netns,omitempty"`
	// UserNS holds the user namespace of a container with maps of its
	// own, made together with NetNS, which it owns (see
	// netns.CreateWithUserNS).
	UserNS      string                `json:"userns,omitempty"`
	Attachments []network.Attachment  `json:"attachments,omitempty"`
	Ports       []network.PortMapping `json:"ports,omitempty"` // host ports assigned
	Status      network.Status        `json:"status,omitempty"`
	SlirpDir    string                `json:"slirpDir,omitempty"`
}

// netSetup is what the spec and the /etc files need from the network.
type netSetup struct {
	nsPath string
	// userNSPath, when set, is the user namespace the container joins
	// instead of making its own: the owner of nsPath.
	userNSPath string
	host       bool
	hosts      []spec.HostEntry
	dns        []string
	search     []string
	options    []string
}

func (r *Runtime) netRunPath(id string) string { return r.podRunDir("net", id+".json") }

func (r *Runtime) readNetRun(id string) (*netRun, error) {
	b, err := os.ReadFile(r.netRunPath(id))
	if err != nil {
		return nil, err
	}
	var nr netRun
	if err := json.Unmarshal(b, &nr); err != nil {
		return nil, fmt.Errorf("parse %s: %w", r.netRunPath(id), err)
	}
	return &nr, nil
}

func (r *Runtime) writeNetRun(id string, nr *netRun) error {
	if err := os.MkdirAll(filepath.Dir(r.netRunPath(id)), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(nr)
	if err != nil {
		return err
	}
	tmp := r.netRunPath(id) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, r.netRunPath(id))
}

// netContainer is how c is known to the network's name server.
func netContainer(c *Container) network.Container {
	return network.Container{ID: c.ID, Names: []string{c.Name, shortID(c.ID)}}
}

// setupNetwork gives c's run its network, before the runtime creates the
// container: a namespace of its own attached to its networks (or to
// slirp4netns), the host's, or another's. On error nothing is left.
func (r *Runtime) setupNetwork(ctx context.Context, c *Container) (ns *netSetup, err error) {
	cfg := c.Config
	ns = &netSetup{dns: cfg.DNS, search: cfg.DNSSearch, options: cfg.DNSOptions}
	for _, h := range cfg.AddHosts {
		name, ip, _ := strings.Cut(h, ":")
		ns.hosts = append(ns.hosts, spec.HostEntry{IP: strings.Trim(ip, "[]"), Names: []string{name}})
	}
	mode := cfg.NetworkMode
	switch {
	case mode == netModeHost:
		ns.host = true
		return ns, nil
	case mode == "" || mode == netModeNone:
		return ns, nil
	case strings.HasPrefix(mode, netModeNSPrefix):
		ns.nsPath = strings.TrimPrefix(mode, netModeNSPrefix)
		return ns, nil
	case strings.HasPrefix(mode, netModeCtrPfx):
		other, err := r.get(ctx, strings.TrimPrefix(mode, netModeCtrPfx))
		if err != nil {
			return nil, err
		}
		if !isActive(other.Status) || other.PID == 0 {
			return nil, errdefs.Conflictf("cannot join the network of container %s: it is not running", other.Name)
		}
		ns.nsPath = fmt.Sprintf("/proc/%d/ns/net", other.PID)
		if nr, err := r.readNetRun(other.ID); err == nil && nr.NetNS != "" {
			ns.nsPath = nr.NetNS
			if nr.UserNS != "" && len(cfg.UIDMap) > 0 {
				// A pod's member joins the user namespace that owns the
				// infra container's network namespace (podUserNS).
				ns.userNSPath = nr.UserNS
			}
		}
		return ns, nil
	}

	// A namespace of our own, set up by us.
	if err := r.teardownNetwork(ctx, c); err != nil {
		return nil, fmt.Errorf("clean up the previous run's network: %w", err)
	}
	if mode == netModeBridge {
		r.reapStaleLeases(ctx, c.ID)
	}
	ports, err := network.AssignHostPorts(cfg.Ports)
	if err != nil {
		return nil, err
	}
	if err := r.checkPortsUnpublished(ctx, c.ID, ports); err != nil {
		return nil, err
	}
	if err := network.CheckHostPorts(ports); err != nil {
		return nil, err
	}
	nr := &netRun{Mode: mode, NetNS: filepath.Join(r.storeOpts.RunRoot, "netns", "pod-"+c.ID), Attachments: cfg.Networks, Ports: ports}
	if mode == netModeSlirp || (mode == netModeBridge && r.Rootless() && len(ports) > 0) {
		nr.SlirpDir = filepath.Join(r.storeOpts.RunRoot, "networks", "slirp", shortID(c.ID))
	}
	if err := r.writeNetRun(c.ID, nr); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if terr := r.teardownNetwork(context.WithoutCancel(ctx), c); terr != nil {
				logrus.Warnf("undo network set-up of %s: %v", shortID(c.ID), terr)
			}
		}
	}()
	if len(cfg.UIDMap) > 0 {
		nr.UserNS = nr.NetNS + ".userns"
		if err := r.writeNetRun(c.ID, nr); err != nil {
			return nil, err
		}
		if err := netns.CreateWithUserNS(nr.NetNS, nr.UserNS, cfg.UIDMap, cfg.GIDMap); err != nil {
			return nil, err
		}
		ns.userNSPath = nr.UserNS
	} else if err := netns.Create(nr.NetNS); err != nil {
		return nil, err
	}
	ns.nsPath = nr.NetNS
	switch mode {
	case netModeSlirp:
		if err := slirp.Start(ctx, nr.SlirpDir, slirp.Config{NetNS: nr.NetNS, Ports: ports, Binary: r.opts.NetworkCmdPath}); err != nil {
			return nil, err
		}
		if len(ns.dns) == 0 {
			ns.dns = []string{slirp.DNS}
		}
		ns.hosts = append(ns.hosts, spec.HostEntry{IP: slirp.ContainerIP, Names: hostNames(c)})
	case netModeBridge:
		m := r.networks()
		cniPorts := ports
		if r.Rootless() {
			// Everything happens in the rootless network namespace; the
			// ports are forwarded into it by the port driver, not DNAT.
			l, err := r.lockRootlessNet(ctx)
			if err != nil {
				return nil, err
			}
			defer l.Release()
			if err := r.ensureRootlessNetNS(ctx); err != nil {
				return nil, err
			}
			cniPorts = nil
		}
		st, err := m.Setup(ctx, netContainer(c), nr.NetNS, nr.Attachments, cniPorts)
		if err != nil {
			return nil, err
		}
		nr.Status = st
		if err := r.writeNetRun(c.ID, nr); err != nil {
			return nil, err
		}
		if err := r.db.SetAttachmentAddresses(ctx, c.ID, statusAddrs(st)); err != nil {
			return nil, err
		}
		if r.Rootless() && len(ports) > 0 {
			ip := ""
			if iface, ok := st[nr.Attachments[0].Network]; ok && len(iface.IPs) > 0 {
				if p, err := netip.ParsePrefix(iface.IPs[0]); err == nil {
					ip = p.Addr().String()
				}
			}
			if err := slirp.Start(ctx, nr.SlirpDir, slirp.Config{NetNS: r.rootlessNetNS(), Ports: ports, PortsOnly: true, ChildIP: ip, Binary: r.opts.NetworkCmdPath}); err != nil {
				return nil, err
			}
		}
		var servers []string
		for _, a := range nr.Attachments {
			n, err := m.Inspect(ctx, a.Network)
			if err != nil {
				return nil, err
			}
			servers = append(servers, network.NameServers(n)...)
		}
		if len(ns.dns) == 0 && len(servers) > 0 {
			ns.dns = servers
			if len(ns.search) == 0 {
				ns.search = append([]string{strings.TrimSuffix(nameserver.Domain, ".")}, hostSearch()...)
			}
		}
		// The container's address on each network names it, as podman
		// writes them (and as connect and disconnect keep them).
		for _, a := range nr.Attachments {
			for _, ip := range ifaceAddrs(st[a.Network]) {
				ns.hosts = append(ns.hosts, spec.HostEntry{IP: ip, Names: hostNames(c)})
			}
		}
	default:
		return nil, fmt.Errorf("unknown network mode %q", mode)
	}
	return ns, nil
}

// hostNames are the names /etc/hosts gives the container's own address.
func hostNames(c *Container) []string {
	h := c.Config.Hostname
	if h == "" {
		h = shortID(c.ID)
	}
	if c.Name != "" && c.Name != h {
		return []string{h, c.Name}
	}
	return []string{h}
}

// hostSearch is the host's resolv.conf search list.
func hostSearch() []string {
	b, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && (f[0] == "search" || f[0] == "domain") {
			out = f[1:]
		}
	}
	return out
}

// teardownNetwork undoes setupNetwork: CNI DEL on every network (or the end
// of slirp4netns and its port driver), then the namespace. It does nothing
// when nothing is set up, and repairs a set-up that was interrupted.
func (r *Runtime) teardownNetwork(ctx context.Context, c *Container) error {
	nr, err := r.readNetRun(c.ID)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	rootlessBridge := nr.Mode == netModeBridge && r.Rootless()
	if rootlessBridge {
		l, err := r.lockRootlessNet(ctx)
		if err != nil {
			return err
		}
		defer l.Release()
	}
	var errs []error
	if nr.SlirpDir != "" {
		errs = append(errs, slirp.Stop(ctx, nr.SlirpDir))
	}
	if nr.Mode == netModeBridge {
		ports := nr.Ports
		if rootlessBridge {
			ports = nil // forwarded by the port driver, not DNAT
		}
		errs = append(errs, r.networks().Teardown(ctx, netContainer(c), nr.NetNS, nr.Attachments, ports))
	}
	if nr.NetNS != "" {
		errs = append(errs, netns.Remove(nr.NetNS))
	}
	if nr.UserNS != "" {
		errs = append(errs, netns.Remove(nr.UserNS))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if nr.Mode == netModeBridge {
		if err := r.db.SetAttachmentAddresses(ctx, c.ID, nil); err != nil {
			return err
		}
	}
	if err := os.Remove(r.netRunPath(c.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if rootlessBridge {
		return r.releaseRootlessNetNS(ctx)
	}
	return nil
}

// checkPortsUnpublished fails when another container of this installation
// publishes one of ports: its DNAT rules bind nothing, so the bind test of
// network.CheckHostPorts cannot see them. A container that does not run
// (its start was killed midway, its cleanup failed) publishes nothing: what
// its run left is torn down instead, freeing the ports.
func (r *Runtime) checkPortsUnpublished(ctx context.Context, id string, ports []network.PortMapping) error {
	if len(ports) == 0 {
		return nil
	}
	entries, err := os.ReadDir(r.podRunDir("net"))
	if err != nil {
		return nil
	}
others:
	for _, e := range entries {
		other, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || other == id {
			continue
		}
		nr, err := r.readNetRun(other)
		if err != nil {
			continue
		}
		for _, p := range ports {
			for _, q := range nr.Ports {
				if p.Protocol != q.Protocol || (p.HostIP != q.HostIP && p.HostIP != "" && q.HostIP != "") {
					continue
				}
				if int(p.HostPort) < int(q.HostPort)+q.Count() && int(q.HostPort) < int(p.HostPort)+p.Count() {
					if r.reapStaleNetwork(ctx, other) {
						continue others
					}
					return errdefs.Conflictf("host port %d/%s is already published by container %s", max(p.HostPort, q.HostPort), p.Protocol, shortID(other))
				}
			}
		}
	}
	return nil
}

// reapStaleNetwork tears down the network set-up recorded for container id
// when that container does not run, or no longer exists: what a pod killed
// while starting it leaves behind (a slirp4netns helper holding its host
// ports, a namespace). It reports whether it did. A container whose lock
// is held is being worked on and is left alone.
func (r *Runtime) reapStaleNetwork(ctx context.Context, id string) bool {
	l, ok, err := r.tryLockContainer(id)
	if err != nil || !ok {
		return false
	}
	defer l.Release()
	c, err := r.get(ctx, id)
	switch {
	case errors.Is(err, errdefs.ErrNotFound):
		// Its lock file stays, as pkg/lock's contract asks of every lock
		// file another process may be waiting on.
		c = &Container{Container: &state.Container{ID: id}, Config: &ContainerConfig{}}
	case err != nil, isActive(c.Status):
		return false
	}
	if err := r.teardownNetwork(context.WithoutCancel(ctx), c); err != nil {
		logrus.Warnf("container %s: tear down the network its interrupted run left: %v", shortID(id), err)
		return false
	}
	logrus.Debugf("container %s: tore down the network its interrupted run left", shortID(id))
	return true
}

// ContainerPorts are the ports a running container publishes, with the host
// ports its current run got; a container that does not run publishes none.
func (r *Runtime) ContainerPorts(ctx context.Context, idOrName string) ([]network.PortMapping, error) {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if !isActive(c.Status) {
		return nil, nil
	}
	nr, err := r.readNetRun(c.ID)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return nr.Ports, nil
}

// statusAddrs are the addresses of a run's interfaces, per network, for the
// attachment rows.
func statusAddrs(st network.Status) map[string][]string {
	out := make(map[string][]string, len(st))
	for name, iface := range st {
		out[name] = append([]string{}, iface.IPs...)
	}
	return out
}

// reapStaleLeases gives back the addresses held by containers of this
// installation that no longer run or exist: what a pod killed between
// leasing them and recording the run left (see reapStaleNetwork), found by
// the next start of a container on a bridge network. self is the container
// being started, whose own earlier run its caller tore down.
func (r *Runtime) reapStaleLeases(ctx context.Context, self string) {
	m := r.networks()
	ids, err := m.LeaseHolders(ctx)
	if err != nil {
		logrus.Warnf("list the holders of network addresses: %v", err)
		return
	}
	for _, id := range ids {
		if id == self || !r.reapStaleNetwork(ctx, id) {
			continue
		}
		// Its run's record may be gone with the run directory while the
		// lease stayed.
		if err := m.ReleaseContainer(ctx, id); err != nil {
			logrus.Warnf("container %s: give back its network addresses: %v", shortID(id), err)
		}
	}
}
