package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// healthSuffix is what ps adds to STATUS for a container with a
// healthcheck: " (healthy)", as Docker shows it.
func healthSuffix(status string) string {
	if status == "" {
		return ""
	}
	return " (" + status + ")"
}

// newHealthcheckGroup is `pod healthcheck`.
func newHealthcheckGroup(g *cli.Globals) *cobra.Command {
	group := &cobra.Command{
		Use:   "healthcheck",
		Short: "Run container healthchecks",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(&cobra.Command{
		Use:   "run CONTAINER",
		Short: "Run a container's healthcheck now",
		Long: "Run the healthcheck of a running container once, record the result (inspect's State.Health)\n" +
			"and exit 0 when it passed, 1 when it failed; the container's status may turn unhealthy and its\n" +
			"--health-on-failure action be taken.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			status, err := rt.HealthcheckRun(ctx, args[0])
			if err != nil {
				return err
			}
			if status != engine.HealthHealthy {
				// Podman prints the status only when it is not healthy.
				fmt.Fprintln(g.Stdout, status)
				return cli.Exit(1)
			}
			return nil
		},
	})
	return group
}
