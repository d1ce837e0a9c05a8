package system

import (
	"net"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/api"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/rootless"
)

func newServiceCommand(g *cli.Globals) *cobra.Command {
	var (
		idle        int
		group, cors string
	)
	cmd := &cobra.Command{
		Use:   "service [flags] [URI]",
		Short: "Serve the Docker Engine API (docker, compose, testcontainers) on a socket",
		Long: "Serves the Docker Engine API on URI: unix:///PATH (default $XDG_RUNTIME_DIR/pod/pod.sock rootless, " +
			"mode 0600; /run/pod/pod.sock as root, mode 0660, in --group if given) or tcp://HOST:PORT " +
			"(unauthenticated: only when asked for). " +
			"Under systemd socket activation (LISTEN_FDS) it serves the socket it was given. It exits after " +
			"--time seconds without a connection (0: never).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			access, err := socketAccess(group)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			r, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			l, err := api.Activated(g.Inherited.Activation())
			if err != nil {
				return err
			}
			if l == nil {
				uri := ""
				if len(args) == 1 {
					uri = args[0]
				} else {
					uri = "unix://" + api.DefaultSocket(rootless.IsRootless(), os.Getenv("XDG_RUNTIME_DIR"))
				}
				if l, err = api.Listen(uri, access); err != nil {
					return err
				}
				if !api.IsUnix(uri) {
					logrus.Warn("Using the pod API service with TCP sockets is not recommended, please see `pod system service` manpage for details")
				}
				if ul, ok := l.(*net.UnixListener); ok {
					// Removed on exit; a later service makes it anew.
					ul.SetUnlinkOnClose(true)
				}
			}
			logrus.Infof("API service listening on %s", l.Addr())
			if idle < 0 {
				return errdefs.InvalidArgumentf("--time %d: use 0 (never) or a number of seconds", idle)
			}
			return api.New(r).WithCORS(cors).Serve(ctx, l, time.Duration(idle)*time.Second)
		},
	}
	cmd.Flags().IntVarP(&idle, "time", "t", 5, "Seconds without a connection before the service exits (0: never)")
	cmd.Flags().StringVar(&cors, "cors", "", "Access-Control-Allow-Origin for every response, for browsers (\"*\": any origin; default: no CORS headers)")
	cmd.Flags().StringVarP(&group, "group", "G", "", "As root: the group (name or ID) whose members may use the socket (mode 0660)")
	return cmd
}

// socketAccess is who may connect to the service's unix socket: its owner
// rootless (the socket drives that user's containers); as root, mode 0660
// in group, or root's own group without one, as dockerd's --group does.
func socketAccess(group string) (api.SocketAccess, error) {
	if rootless.IsRootless() {
		if group != "" {
			return api.SocketAccess{}, errdefs.InvalidArgumentf("--group %s: only a service run as root shares its socket with a group", group)
		}
		return api.SocketAccess{Mode: 0o600}, nil
	}
	a := api.SocketAccess{Mode: 0o660}
	if group == "" {
		return a, nil
	}
	grp, err := user.LookupGroup(group)
	if err != nil {
		if grp, err = user.LookupGroupId(group); err != nil {
			return a, errdefs.NotFoundf("--group %s: no such group", group)
		}
	}
	gid, err := strconv.Atoi(grp.Gid)
	if err != nil {
		return a, errdefs.InvalidArgumentf("--group %s: group ID %q is not a number", group, grp.Gid)
	}
	a.GID = gid
	return a, nil
}
