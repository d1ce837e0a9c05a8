package network

import "time"

// DefaultName is the network containers join when none is named, and its
// bridge. DefaultSubnet and DefaultGateway are what older pods gave it
// (and what their pod0 keeps); a default network made now never takes
// podman's 10.88.0.0/16 (see chooseDefaultSubnet).
const (
	DefaultName    = "podman"
	DefaultBridge  = "pod0"
	DefaultSubnet  = "10.88.0.0/16"
	DefaultGateway = "10.88.0.1"
)

// Drivers.
const (
	DriverBridge  = "bridge"
	DriverMacvlan = "macvlan"
	DriverIPvlan  = "ipvlan"
)

// Network is a network as `pod network inspect` shows it (podman 4's
// field names).
type Network struct {
	Name             string            `json:"name"`
	ID               string            `json:"id"`
	Driver           string            `json:"driver"`
	NetworkInterface string            `json:"network_interface,omitempty"`
	Created          time.Time         `json:"created"`
	Subnets          []Subnet          `json:"subnets,omitempty"`
	IPv6Enabled      bool              `json:"ipv6_enabled"`
	Internal         bool              `json:"internal"`
	DNSEnabled       bool              `json:"dns_enabled"`
	Labels           map[string]string `json:"labels,omitempty"`
	Options          map[string]string `json:"options,omitempty"`
	IPAMOptions      map[string]string `json:"ipam_options,omitempty"`
}

// Subnet is one address range of a network. LeaseRange, when set, is the
// part of Subnet that IPAM hands out (--ip-range).
type Subnet struct {
	Subnet     string      `json:"subnet"`
	Gateway    string      `json:"gateway,omitempty"`
	LeaseRange *LeaseRange `json:"lease_range,omitempty"`
}

// LeaseRange is an inclusive range of addresses.
type LeaseRange struct {
	StartIP string `json:"start_ip,omitempty"`
	EndIP   string `json:"end_ip,omitempty"`
}

// CreateOptions are `pod network create`'s flags. Subnets, Gateways and
// IPRanges pair up by index; a subnet without a gateway gets its first
// address, and no subnet at all means a free one is chosen.
type CreateOptions struct {
	Name       string
	Driver     string // bridge (default), macvlan or ipvlan
	Subnets    []string
	Gateways   []string
	IPRanges   []string
	Internal   bool
	IPv6       bool
	DisableDNS bool
	Labels     map[string]string
	Options    map[string]string // bridge: mtu, vlan; macvlan and ipvlan: parent, mode, mtu
}

// Attachment is one network a container is connected to.
type Attachment struct {
	Network       string   `json:"network"`
	InterfaceName string   `json:"interface,omitempty"` // eth0, eth1, ... when empty
	Aliases       []string `json:"aliases,omitempty"`   // extra DNS names on this network
	IP            string   `json:"ip,omitempty"`        // static address (--ip)
	IP6           string   `json:"ip6,omitempty"`       // static IPv6 address (--ip6)
	MAC           string   `json:"mac,omitempty"`       // static MAC (--mac-address)
}

// Container identifies the container being attached: its ID and the DNS
// names (its name, short ID) it answers to on networks with name resolution.
type Container struct {
	ID    string
	Names []string
}

// Status is the result of Setup: per network, what the container got.
type Status map[string]Interface

// Interface is a container's interface on one network.
type Interface struct {
	Name     string   `json:"name"`
	MAC      string   `json:"mac,omitempty"`
	IPs      []string `json:"ips,omitempty"` // CIDR notation, 10.88.0.2/16
	Gateways []string `json:"gateways,omitempty"`
}
