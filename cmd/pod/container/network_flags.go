package container

import (
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/pkg/engine"
)

// addNetworkFlags binds the networking flags of create and run.
func addNetworkFlags(fs *pflag.FlagSet, o *engine.NetOptions) {
	fs.StringArrayVar(&o.Networks, "network", nil, "connect to a network: bridge (the default network), NAME, host, none, private, slirp4netns, container:ID, ns:PATH (repeatable for several networks; default: bridge as root, slirp4netns rootless)")
	fs.StringVar(&o.IP, "ip", "", "static IPv4 or IPv6 address on the (single) network")
	fs.StringVar(&o.IP6, "ip6", "", "static IPv6 address on the (single) network, which needs an IPv6 subnet (not with --ip)")
	fs.StringVar(&o.MAC, "mac-address", "", "static MAC address on the first network")
	fs.StringArrayVar(&o.Aliases, "network-alias", nil, "extra DNS name of the container on user-defined networks")
	fs.StringArrayVar(&o.DNS, "dns", nil, "DNS server for the container's resolv.conf")
	fs.StringArrayVar(&o.DNSSearch, "dns-search", nil, "DNS search domain (\".\" for none)")
	fs.StringArrayVar(&o.DNSOptions, "dns-option", nil, "resolv.conf option")
	fs.StringArrayVar(&o.DNSOptions, "dns-opt", nil, "resolv.conf option (same as --dns-option)")
	fs.StringArrayVar(&o.AddHosts, "add-host", nil, "add a line to /etc/hosts: NAME:IP")
	fs.BoolVar(&o.NoHosts, "no-hosts", false, "keep the image's /etc/hosts instead of writing one (conflicts with --add-host)")
	fs.StringArrayVarP(&o.Publish, "publish", "p", nil, "publish a container port on the host: [[IP:][HOSTPORT]:]PORT[/PROTO], ports may be ranges")
	fs.BoolVarP(&o.PublishAll, "publish-all", "P", false, "publish every EXPOSEd port of the image on a free host port")
}
