// Package network manages pod's container networks: their definitions,
// stored as CNI configuration lists, and the attachment of a container's
// network namespace to them through libcni and the standard CNI plugins
// (Debian's containernetworking-plugins in /usr/lib/cni).
//
// Where things live (see Paths):
//
//   - Definitions: one CNI conflist per network, GRAPHROOT/networks/NAME.conflist
//     (as root, /var/lib/containers/storage/networks). The file is a plain CNI
//     configuration list any CNI tool can use; pod's own view of the network
//     (ID, subnets, labels, options) is kept beside the plugins under the
//     top-level key "pod", which libcni ignores.
//   - The default network "podman" (bridge pod0, 10.88.0.0/16, gateway
//     10.88.0.1, outbound NAT) is not a file until a container first
//     attaches to it; List always shows it.
//   - IPAM leases: host-local's data directory, machine-wide by default
//     (/var/lib/cni/networks/NAME), because bridges and subnets are
//     machine-wide too: two pod installations (--root) sharing pod0 must not
//     hand out the same address.
//   - libcni's result cache (what DEL needs to undo an ADD) and the name
//     servers' state: RUNROOT/networks.
//
// Rootless, the bridges cannot be the host's: Paths.HostNetNS names the
// user's namespace in which the plugins run and the name servers listen,
// and IPAM leases and the plugins' state go under the run root.
//
// The stored conflist is complete for any CNI tool: bridge (with host-local
// IPAM and ipMasq), portmap, firewall and tuning. pod runs less, rendered
// from the "pod" key for each attachment: what every container of a bridge
// network would repeat is set up once per network (firewall_linux.go): the
// forwarding, isolation and masquerading rules, written with one
// iptables-restore per address family when a container first attaches, and
// again only when a record in RUNDIR/firewall no longer matches the boot,
// the namespace or the bridge; removed by Remove. Each container is then
// attached in-process (attach_linux.go): the bridge, a veth pair, addresses
// leased in host-local's own files (lease.go) and routes over netlink, with
// no plugin process; only published ports run a plugin, portmap, through
// libcni with the attachment as its previous result. A bridge network with a
// VLAN option chains the plugins instead: bridge (no ipMasq) with
// host-local, portmap only when the container publishes ports, tuning only
// with a MAC. Loopback is brought up by pkg/netns when the namespace is
// made, so the loopback plugin is not chained (it would replace the chain's
// result). A macvlan network chains macvlan, and tuning with a MAC.
//
// Teardown is idempotent and is the repair after a crash: CNI DEL is run for
// every attachment even when the namespace is gone, which removes the
// plugins' iptables rules and releases the IPAM leases by container ID. A
// container whose attachment libcni cached (an older pod's, with
// per-container ipMasq and firewall, or a VLAN network's) is undone by DEL of
// that cached chain; one attached in-process by deleting its interface and
// its leases.
package network
