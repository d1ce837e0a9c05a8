package network

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/network"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var (
		opts          network.CreateOptions
		labels, optKV []string
		ignore        bool
		ipamDriver    string
	)
	c := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a network",
		Long: "Define a network. Containers on a bridge network reach each other, and the outside\n" +
			"through NAT unless --internal; on a network other than the default one they find each\n" +
			"other by name. Without NAME the network is named podmanN. Prints the network's name.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			switch ipamDriver {
			case "", "host-local":
			case "dhcp", "none":
				return errdefs.NotImplementedf("--ipam-driver %s: pod's networks hand out addresses from their subnets themselves (host-local) only", ipamDriver)
			default:
				return errdefs.InvalidArgumentf("--ipam-driver %q: unsupported ipam driver (host-local is pod's)", ipamDriver)
			}
			var err error
			if opts.Labels, err = keyValues("--label", labels); err != nil {
				return err
			}
			if opts.Options, err = keyValues("--opt", optKV); err != nil {
				return err
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			n, err := rt.NetworkCreate(cmd.Context(), opts)
			if err != nil && ignore && opts.Name != "" && errors.Is(err, errdefs.ErrAlreadyExists) {
				// podman's --ignore: the existing network is left as it is.
				n, err = &network.Network{Name: opts.Name}, nil
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, n.Name)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Driver, "driver", "d", network.DriverBridge, "network driver: bridge, macvlan or ipvlan")
	f.StringArrayVar(&opts.Subnets, "subnet", nil, "subnet in CIDR notation (repeatable: one IPv4 and one IPv6)")
	f.StringArrayVar(&opts.Gateways, "gateway", nil, "gateway of the subnet given at the same position (default: its first address)")
	f.StringArrayVar(&opts.IPRanges, "ip-range", nil, "addresses to hand out, CIDR or START-END, inside the subnet at the same position")
	f.StringVar(&ipamDriver, "ipam-driver", "", "how addresses are handed out: host-local, from the network's subnets (the only driver pod has; dhcp and none are refused)")
	f.BoolVar(&opts.Internal, "internal", false, "no outbound traffic: no NAT, no default route")
	f.BoolVar(&opts.IPv6, "ipv6", false, "add an IPv6 subnet (chosen if no --subnet is IPv6)")
	f.BoolVar(&opts.DisableDNS, "disable-dns", false, "no name resolution of containers on this network")
	f.BoolVar(&ignore, "ignore", false, "do nothing, successfully, if a network of that name exists (its settings are left as they are)")
	f.StringArrayVar(&labels, "label", nil, "set a label KEY=VALUE on the network")
	f.StringArrayVarP(&optKV, "opt", "o", nil, "driver option KEY=VALUE (bridge: mtu, vlan; macvlan, ipvlan: parent, mode, mtu)")
	return c
}

// keyValues parses KEY=VALUE (or KEY, with an empty value) flags.
func keyValues(flag string, in []string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range in {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, errdefs.InvalidArgumentf("%s %q: empty key", flag, kv)
		}
		out[k] = v
	}
	return out, nil
}
