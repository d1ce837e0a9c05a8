package pod

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// podVerb is a command that does one thing to each pod named (or, with
// --all, to every pod) and prints the pod's ID.
type podVerb struct {
	use, short, long string
	do               func(ctx context.Context, rt *engine.Runtime, name string) (*engine.Pod, error)
	flags            func(c *cobra.Command)
	// ignore, when set, is --ignore: a missing pod is no error.
	ignore *bool
	// idFiles adds --pod-id-file: pods named by the IDs in files.
	idFiles bool
}

func (v podVerb) command(g *cli.Globals) *cobra.Command {
	var all bool
	var idFiles []string
	c := &cobra.Command{
		Use:   v.use + " [options] POD [POD...]",
		Short: v.short,
		Long:  v.long,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !all && len(idFiles) == 0 {
				return errdefs.InvalidArgumentf("provide one or more pod names or IDs, or use --all")
			}
			if (len(args) > 0 || len(idFiles) > 0) && all {
				return errdefs.InvalidArgumentf("--all and pod names cannot be used together")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := readPodIDFiles(idFiles, v.ignore != nil && *v.ignore)
			if err != nil {
				return err
			}
			args = append(args, ids...)
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				if args, err = podIDs(ctx, rt); err != nil {
					return err
				}
			}
			return each(g, args, func(name string) (string, error) {
				p, err := v.do(ctx, rt, name)
				if err != nil {
					if v.ignore != nil && *v.ignore && errors.Is(err, errdefs.ErrNotFound) && p == nil {
						return "", nil
					}
					return "", err
				}
				return p.ID, nil
			})
		},
	}
	c.Flags().BoolVarP(&all, "all", "a", false, v.use+" all pods")
	if v.idFiles {
		c.Flags().StringArrayVar(&idFiles, "pod-id-file", nil, "read the pod ID from this file (repeatable)")
	}
	if v.flags != nil {
		v.flags(c)
	}
	return c
}

func podIDs(ctx context.Context, rt *engine.Runtime) ([]string, error) {
	pods, err := rt.Pods(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(pods))
	for i, p := range pods {
		ids[i] = p.ID
	}
	return ids, nil
}

// timeoutFlag binds -t/--time; the pointer it fills is nil unless given.
func timeoutFlag(c *cobra.Command, t *int, what string) func() *int {
	c.Flags().IntVarP(t, "time", "t", 10, "seconds to wait for each container to stop before killing it ("+what+")")
	return func() *int {
		if c.Flags().Changed("time") {
			return t
		}
		return nil
	}
}

func newStartCommand(g *cli.Globals) *cobra.Command {
	return podVerb{
		use: "start", short: "Start one or more pods", idFiles: true,
		long: "Start the pod's infra container, then its other containers.",
		do: func(ctx context.Context, rt *engine.Runtime, name string) (*engine.Pod, error) {
			g.WarnActivationNotPassed("pod start")
			return rt.StartPod(ctx, name)
		},
	}.command(g)
}

func newStopCommand(g *cli.Globals) *cobra.Command {
	var t int
	var ignore bool
	var timeout func() *int
	return podVerb{
		use: "stop", short: "Stop one or more pods", idFiles: true,
		long:   "Stop the pod's containers, newest first, and its infra container last.",
		ignore: &ignore,
		flags: func(c *cobra.Command) {
			timeout = timeoutFlag(c, &t, "default: each container's stop timeout")
			c.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore pods that do not exist")
		},
		do: func(ctx context.Context, rt *engine.Runtime, name string) (*engine.Pod, error) {
			return rt.StopPod(ctx, name, timeout())
		},
	}.command(g)
}

func newRestartCommand(g *cli.Globals) *cobra.Command {
	return podVerb{
		use: "restart", short: "Restart one or more pods",
		long: "Stop the pod's containers and start them again.",
		do: func(ctx context.Context, rt *engine.Runtime, name string) (*engine.Pod, error) {
			return rt.RestartPod(ctx, name, nil)
		},
	}.command(g)
}

func newKillCommand(g *cli.Globals) *cobra.Command {
	var signal string
	return podVerb{
		use: "kill", short: "Send a signal to the containers of one or more pods",
		long: "Send a signal (default SIGKILL) to every running container of the pod.",
		flags: func(c *cobra.Command) {
			c.Flags().StringVarP(&signal, "signal", "s", "KILL", "signal to send")
		},
		do: func(ctx context.Context, rt *engine.Runtime, name string) (*engine.Pod, error) {
			return rt.KillPod(ctx, name, signal)
		},
	}.command(g)
}

func newPauseCommand(g *cli.Globals) *cobra.Command {
	return podVerb{
		use: "pause", short: "Pause one or more pods",
		long: "Freeze every running container of the pod.",
		do: func(ctx context.Context, rt *engine.Runtime, name string) (*engine.Pod, error) {
			return rt.PausePod(ctx, name)
		},
	}.command(g)
}

func newUnpauseCommand(g *cli.Globals) *cobra.Command {
	return podVerb{
		use: "unpause", short: "Unpause one or more pods",
		long: "Thaw every paused container of the pod.",
		do: func(ctx context.Context, rt *engine.Runtime, name string) (*engine.Pod, error) {
			return rt.UnpausePod(ctx, name)
		},
	}.command(g)
}

// readPodIDFiles reads the pod IDs in --pod-id-file files; with ignore a
// missing file is skipped, as a missing pod is.
func readPodIDFiles(files []string, ignore bool) ([]string, error) {
	var ids []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if ignore && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, errdefs.InvalidArgumentf("read --pod-id-file: %v", err)
		}
		id := strings.TrimSpace(string(b))
		if id == "" {
			return nil, errdefs.InvalidArgumentf("--pod-id-file %s is empty", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
