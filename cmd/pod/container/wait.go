package container

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newWaitCommand(g *cli.Globals) *cobra.Command {
	var conditions []string
	var interval string
	c := &cobra.Command{
		Use:   "wait CONTAINER [CONTAINER...]",
		Short: "Wait for containers to stop and print their exit codes",
		Long:  "Block until each container is not running, then print its exit code, one line per container.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			iv, err := time.ParseDuration(interval)
			if err != nil {
				// podman's --interval takes milliseconds as a bare number.
				ms, nerr := strconv.Atoi(interval)
				if nerr != nil || ms <= 0 {
					return fmt.Errorf("invalid --interval %q: a duration such as 250ms", interval)
				}
				iv = time.Duration(ms) * time.Millisecond
			}
			var last error
			for _, name := range args {
				var code int
				var err error
				if len(conditions) > 0 {
					code, err = rt.WaitForCondition(ctx, name, conditions, iv)
				} else {
					code, err = rt.Wait(ctx, name)
				}
				if err != nil {
					if last != nil {
						fmt.Fprintln(g.Stderr, cli.Message(last))
					}
					last = err
					continue
				}
				fmt.Fprintln(g.Stdout, code)
			}
			return last
		},
	}
	f := c.Flags()
	f.StringArrayVar(&conditions, "condition", nil, "wait until the container is in this state (repeatable; any of them): configured, created, exited, healthy, initialized, paused, removing, running, stopped, stopping, unhealthy (default: stopped)")
	f.StringVarP(&interval, "interval", "i", "250ms", "how often to check a --condition (a duration, or milliseconds)")
	return c
}
