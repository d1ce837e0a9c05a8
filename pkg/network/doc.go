// Package network manages pod's container networks: their definitions,
// the addresses of the containers on them, and the attachment of a
// container's network namespace to them.
//
// Where things live (see Paths):
//
//   - Definitions: rows of the state DB (pkg/state, table networks), as are
//     the containers' attachments (network_attachments), so that removing a
//     network and attaching a container to it exclude each other in one
//     transaction. pods before that kept one CNI configuration list per
//     network in ConfigDir (GRAPHROOT/networks/NAME.conflist, with pod's view
//     under the key "pod"); ImportLegacy records those once per DB.
//   - The default network "podman" (bridge pod0) is recorded when first
//     used, with a subnet chosen then (chooseDefaultSubnet): pod0's when the
//     bridge exists, else the last free /24 below 10.255.255.255, never
//     podman's 10.88.0.0/16. List always shows it.
//   - Address leases: pod's own lease DB (ipam.go), machine-wide as root
//     (/run/pod/networks/ipam.db), because bridges are machine-wide too: two
//     pod installations (--root) sharing pod0 must not hand out the same
//     address. Addresses older pods leased in host-local's files
//     (Paths.IPAMDir/NAME) stay taken until their container is torn down.
//   - libcni's result cache (what DEL needs to undo an ADD), the name
//     servers' state and the firewall records: RUNROOT/networks.
//
// Rootless, the bridges cannot be the host's: Paths.HostNetNS names the
// user's namespace in which the plugins run and the name servers listen,
// and the lease DB and the plugins' state go under the run root.
//
// One function, driverOf, decides how a container is attached. A bridge
// network is attached in-process (attach_linux.go): the bridge, a veth
// pair, the leased addresses and routes over netlink, with no plugin
// process; only published ports run a plugin, portmap, through libcni with
// the attachment as its previous result. What is the same for every
// container of a bridge network is set up once per network
// (firewall_linux.go): the forwarding, isolation and masquerading rules,
// written with one iptables-restore per address family when a container
// first attaches, and again only when a record in RUNDIR/firewall no longer
// matches the boot, the namespace or the bridge; removed by Remove.
// Drivers pod does not implement run the real CNI plugins
// (containernetworking-plugins in /usr/lib/cni) through libcni, with pod's
// leased addresses handed over by the static IPAM plugin: macvlan and
// ipvlan (chained with tuning for a MAC), and a bridge network with a VLAN
// option (bridge without ipMasq, portmap when the container publishes
// ports, tuning with a MAC). Loopback is brought up by pkg/netns when the
// namespace is made, so the loopback plugin is not chained.
//
// Teardown is idempotent and is the repair after a crash: it runs for
// every attachment even when the namespace is gone. A chain libcni cached
// (a plugin attachment, or an older pod's chain with per-container ipMasq,
// firewall and host-local IPAM) is undone by DEL of that cached chain; an
// in-process attachment by deleting its interface and unpublishing its
// ports. The container's leases are then released, in the lease DB and in
// host-local's files.
package network
