package container

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newStartCommand(g *cli.Globals) *cobra.Command {
	var attach, interactive, sigProxy bool
	c := &cobra.Command{
		Use:   "start [options] CONTAINER [CONTAINER...]",
		Short: "Start one or more containers",
		Long: "Start created or stopped containers and print their names as given. With -a, stream the\n" +
			"container's output and exit with its exit code.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if (attach || interactive) && len(args) > 1 {
				return errors.New("you cannot start and attach multiple containers at once")
			}
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if attach {
				opts := engine.StartOptions{Attach: true, Stdout: g.Stdout, Stderr: g.Stderr}
				if interactive {
					opts.Stdin = g.Stdin
				}
				ctr, err := rt.Container(ctx, args[0])
				if err != nil {
					return err
				}
				if sigProxy {
					stop := proxySignals(rt, ctr.ID)
					defer stop()
				}
				code, err := rt.StartAndWait(context.WithoutCancel(ctx), ctr.ID, opts)
				if err != nil {
					return startError(err)
				}
				if code != 0 {
					return cli.Exit(code)
				}
				return nil
			}
			return each(g, args, startCode, func(name string) error {
				return rt.Start(ctx, name, engine.StartOptions{})
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&attach, "attach", "a", false, "attach to the container's output and exit with its exit code")
	f.BoolVarP(&interactive, "interactive", "i", false, "attach the container's stdin (with -a)")
	f.BoolVar(&sigProxy, "sig-proxy", true, "with -a, forward the signals pod receives to the container")
	return c
}

// startCode is startError's exit code.
func startCode(err error) int { return cli.ExitCode(startError(err)) }
