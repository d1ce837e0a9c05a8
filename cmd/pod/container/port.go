package container

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/docker/go-connections/nat"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newPortCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "port CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List the published ports of a container",
		Long: "List a running container's published ports as PORT/PROTO -> HOST_IP:HOST_PORT,\n" +
			"or, given a container port, only where it is published.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var want string
			if len(args) == 2 {
				var err error
				if want, err = portArg(args[1]); err != nil {
					return err
				}
			}
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			ports, err := r.ContainerPorts(ctx, args[0])
			if err != nil {
				return err
			}
			found := false
			for _, pm := range ports {
				for i := 0; i < pm.Count(); i++ {
					ctr := fmt.Sprintf("%d/%s", int(pm.ContainerPort)+i, pm.Protocol)
					ip := pm.HostIP
					if ip == "" {
						ip = "0.0.0.0"
					}
					host := net.JoinHostPort(ip, strconv.Itoa(int(pm.HostPort)+i))
					switch {
					case want == "":
						fmt.Fprintf(g.Stdout, "%s -> %s\n", ctr, host)
					case want == ctr:
						fmt.Fprintln(g.Stdout, host)
						found = true
					}
				}
			}
			if want != "" && !found {
				return errdefs.NotFoundf("no public port %s published for %s", want, args[0])
			}
			return nil
		},
	}
}

// portArg reads pod port's PORT[/PROTO] as Docker reads it (go-connections'
// nat), tcp by default, into the "80/tcp" form the mappings print.
func portArg(s string) (string, error) {
	proto, port := nat.SplitProtoPort(s)
	n, err := nat.ParsePort(port)
	if err != nil || n == 0 {
		return "", errdefs.InvalidArgumentf("invalid port %q", s)
	}
	return fmt.Sprintf("%d/%s", n, strings.ToLower(proto)), nil
}
