package container

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newStartCommand(g *cli.Globals) *cobra.Command {
	var attach, interactive, all bool
	var filters []string
	var af attachFlags
	c := &cobra.Command{
		Use:   "start [options] CONTAINER [CONTAINER...]",
		Short: "Start one or more containers",
		Long: "Start created or stopped containers and print their names as given. With -a, stream the\n" +
			"container's output and exit with its exit code.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(filters) > 0 {
				all = true
			}
			return namesOrAll(&all)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if all && (attach || interactive) {
				return errors.New("--all and --filter cannot be used with --attach or --interactive")
			}
			if (attach || interactive) && len(args) > 1 {
				return errors.New("you cannot start and attach multiple containers at once")
			}
			// Under socket activation the sockets go to the container.
			pass, err := passFiles(g, 0)
			if err != nil {
				return err
			}
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if attach {
				ctr, err := rt.Container(ctx, args[0])
				if err != nil {
					return err
				}
				return attachSession(g, rt, ctr, interactive, af, func(o engine.AttachOptions) (int, error) {
					// create --attach named the streams to attach to;
					// the others are still logged.
					in, out, errOut := ctr.AttachStreams()
					if !in {
						o.Stdin = nil
					}
					if !out {
						o.Stdout = io.Discard
					}
					if !errOut {
						o.Stderr = io.Discard
					}
					return rt.StartAndWait(context.WithoutCancel(ctx), ctr.ID, engine.StartOptions{
						Attach: true, Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr,
						DetachKeys: o.DetachKeys, Resize: o.Resize, Pass: pass,
					})
				})
			}
			if all {
				// podman's start --all: every container that does not run,
				// or those --filter selects.
				filter, err := engine.ParseContainerFilter(filters, time.Now())
				if err != nil {
					return err
				}
				list, err := rt.ListContainers(ctx, engine.ListOptions{All: true, Filter: filter})
				if err != nil {
					return err
				}
				for _, c := range list {
					if c.Status != engine.StatusRunning && c.Status != engine.StatusPaused {
						args = append(args, c.ID)
					}
				}
			}
			return each(g, args, cli.ExitCode, func(name string) error {
				return rt.Start(ctx, name, engine.StartOptions{Pass: pass})
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&attach, "attach", "a", false, "attach to the container's output and exit with its exit code")
	f.BoolVarP(&interactive, "interactive", "i", false, "attach the container's stdin (with -a)")
	f.BoolVar(&all, "all", false, "start every container that is not running")
	f.StringArrayVarP(&filters, "filter", "f", nil, "start the containers that match, as ps --filter selects them (implies --all)")
	addAttachFlags(f, &af)
	return c
}
