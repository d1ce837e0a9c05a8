package network

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
)

// removeBridge deletes a bridge network's device once the network is gone
// (the bridge plugin creates it and never deletes it). An absent device is
// fine; a device of that name that is not a bridge is not ours to delete.
func removeBridge(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		if _, ok := err.(netlink.LinkNotFoundError); ok {
			return nil
		}
		return fmt.Errorf("find bridge %s: %w", name, err)
	}
	if l.Type() != "bridge" {
		return nil
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("delete bridge %s: %w", name, err)
	}
	return nil
}

// forgetNeighbor drops the host's ARP/NDP entry for ip on the bridge. A
// container's address is often one a removed container had: the host would
// otherwise keep sending to the old MAC until its stale entry times out,
// holding up the first connections (through published ports) for seconds.
func forgetNeighbor(bridge string, ip net.IP) {
	l, err := netlink.LinkByName(bridge)
	if err != nil {
		return
	}
	family := netlink.FAMILY_V4
	if ip.To4() == nil {
		family = netlink.FAMILY_V6
	}
	_ = netlink.NeighDel(&netlink.Neigh{LinkIndex: l.Attrs().Index, Family: family, IP: ip})
}
