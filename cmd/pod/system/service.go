package system

import (
	"net"
	"os"
	"os/signal"
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
	var idle int
	cmd := &cobra.Command{
		Use:   "service [flags] [URI]",
		Short: "Serve the Docker Engine API (docker, compose, testcontainers) on a socket",
		Long: "Serves the Docker Engine API on URI: unix:///PATH (default $XDG_RUNTIME_DIR/pod/pod.sock rootless, " +
			"/run/pod/pod.sock as root; mode 0600) or tcp://HOST:PORT (unauthenticated: only when asked for). " +
			"Under systemd socket activation (LISTEN_FDS) it serves the socket it was given. It exits after " +
			"--time seconds without a connection (0: never).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			r, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			l, err := api.Activated()
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
				if l, err = api.Listen(uri); err != nil {
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
			return api.New(r).Serve(ctx, l, time.Duration(idle)*time.Second)
		},
	}
	cmd.Flags().IntVarP(&idle, "time", "t", 5, "Seconds without a connection before the service exits (0: never)")
	return cmd
}
