package network

import (
	"fmt"

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
