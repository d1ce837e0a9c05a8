package network

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newConnectCommand(g *cli.Globals) *cobra.Command {
	var opts engine.ConnectOptions
	c := &cobra.Command{
		Use:   "connect [options] NETWORK CONTAINER",
		Short: "Connect a container to a network",
		Long: "Attach a container that uses bridge networks to one more network. A running container\n" +
			"gets the new interface (eth1, eth2, ...) at once; a stopped one at its next start.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.NetworkConnect(cmd.Context(), args[0], args[1], opts)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&opts.Aliases, "alias", nil, "extra DNS name of the container on this network")
	f.StringVar(&opts.IP, "ip", "", "static IP address on this network")
	f.StringVar(&opts.IP6, "ip6", "", "static IPv6 address on this network (it needs an IPv6 subnet)")
	f.StringVar(&opts.MAC, "mac-address", "", "static MAC address on this network")
	return c
}

func newDisconnectCommand(g *cli.Globals) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "disconnect [options] NETWORK CONTAINER",
		Short: "Disconnect a container from a network",
		Long:  "Detach a container from a network; a running container loses the interface at once.",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.NetworkDisconnect(cmd.Context(), args[0], args[1])
		},
	}
	c.Flags().BoolVarP(&force, "force", "f", false, "accepted for Docker compatibility; disconnecting never needs force")
	return c
}
