package views

import (
	"sort"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/network"
)

// NetworkRow is one network as `network ls --format` templates see it.
// (network inspect prints network.Network itself.)
type NetworkRow struct {
	ID               string
	Name             string
	Driver           string
	NetworkInterface string
	Created          string
	Subnets          string
	Labels           string
	Internal         bool
	IPv6Enabled      bool
	DNSEnabled       bool
}

// NetworkHeaders are network ls's column titles that are not the field's
// name.
var NetworkHeaders = map[string]string{"ID": "NETWORK ID", "IPv6Enabled": "IPV6", "DNSEnabled": "DNS"}

// NetworkRows makes the rows of nets; noTrunc keeps IDs whole.
func NetworkRows(nets []*network.Network, noTrunc bool) []NetworkRow {
	rows := make([]NetworkRow, len(nets))
	for i, n := range nets {
		id := n.ID
		if !noTrunc {
			id = truncID(id)
		}
		var subs, labels []string
		for _, s := range n.Subnets {
			subs = append(subs, s.Subnet)
		}
		for k, v := range n.Labels {
			labels = append(labels, k+"="+v)
		}
		sort.Strings(labels)
		rows[i] = NetworkRow{
			ID: id, Name: n.Name, Driver: n.Driver, NetworkInterface: n.NetworkInterface,
			Created: n.Created.Local().Format(time.RFC3339), Subnets: strings.Join(subs, ","),
			Labels: strings.Join(labels, ","), Internal: n.Internal,
			IPv6Enabled: n.IPv6Enabled, DNSEnabled: n.DNSEnabled,
		}
	}
	return rows
}
