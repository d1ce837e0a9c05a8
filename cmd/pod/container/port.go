package container

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/docker/go-connections/nat"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newPortCommand(g *cli.Globals) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "port [options] CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List the published ports of a container",
		Long: "List a running container's published ports as PORT/PROTO -> HOST_IP:HOST_PORT,\n" +
			"or, given a container port, only where it is published. With --all, those of every\n" +
			"running container, each line after the container's short ID and a tab.",
		Args: func(cmd *cobra.Command, args []string) error {
			if all {
				return cobra.MaximumNArgs(1)(cmd, args)
			}
			return cobra.RangeArgs(1, 2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var want, spec string
			switch {
			case all && len(args) == 1:
				spec = args[0]
			case !all && len(args) == 2:
				spec = args[1]
			}
			if spec != "" {
				var err error
				if want, err = portArg(spec); err != nil {
					return err
				}
			}
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			if !all {
				found, err := printPorts(ctx, g, r, args[0], "", want)
				if err != nil {
					return err
				}
				if want != "" && !found {
					return errdefs.NotFoundf("no public port %s published for %s", want, args[0])
				}
				return nil
			}
			ids, err := containerIDs(ctx, r, engine.StatusRunning, engine.StatusPaused)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if _, err := printPorts(ctx, g, r, id, id[:min(len(id), 12)]+"\t", want); err != nil && !errors.Is(err, engine.ErrNoSuchContainer) {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&all, "all", "a", false, "list the published ports of every running container")
	return c
}

// printPorts prints the ports name publishes, each line after prefix:
// all, or where want ("80/tcp") is published; found says whether it is.
func printPorts(ctx context.Context, g *cli.Globals, r *engine.Runtime, name, prefix, want string) (found bool, err error) {
	ports, err := r.ContainerPorts(ctx, name)
	if err != nil {
		return false, err
	}
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
				fmt.Fprintf(g.Stdout, "%s%s -> %s\n", prefix, ctr, host)
			case want == ctr:
				fmt.Fprintf(g.Stdout, "%s%s\n", prefix, host)
				found = true
			}
		}
	}
	return found, nil
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
