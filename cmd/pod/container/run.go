package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newRunCommand(g *cli.Globals) *cobra.Command {
	var f createFlags
	var detach bool
	var attach []string
	var af attachFlags
	var preserveFDs uint
	c := &cobra.Command{
		Use:   "run [options] IMAGE [COMMAND [ARG...]]",
		Short: "Create and start a container",
		Long: "Create a container from an image (pulled if missing) and start it. Attached (the default),\n" +
			"pod streams the container's output and exits with its exit code; with -d it prints the\n" +
			"container's ID and returns at once.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			streams, err := attachStreams(attach, detach)
			if err != nil {
				return err
			}
			opts, err := f.options(g, cmd, args)
			if err != nil {
				return err
			}
			pass, err := passFiles(g, preserveFDs)
			if err != nil {
				return err
			}
			rt, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			ctr, err := createContainer(ctx, rt, opts, f.cidfile, f.replace)
			if err != nil {
				return err
			}
			if detach {
				if err := rt.Start(ctx, ctr.ID, engine.StartOptions{Pass: pass}); err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, ctr.ID)
				return nil
			}
			return attachSession(g, rt, ctr, f.opts.Interactive, af, func(o engine.AttachOptions) (int, error) {
				if streams != nil {
					// -a: only the streams named; the others' output is
					// still logged, and stdin stays closed.
					if !streams["stdout"] {
						o.Stdout = io.Discard
					}
					if !streams["stderr"] {
						o.Stderr = io.Discard
					}
					if !streams["stdin"] {
						o.Stdin = nil
					}
				}
				// Signals go to the container, not to this copy: pod keeps
				// streaming until the container exits.
				return rt.StartAndWait(context.WithoutCancel(ctx), ctr.ID, engine.StartOptions{
					Attach: true, Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr,
					DetachKeys: o.DetachKeys, Resize: o.Resize, Pass: pass,
				})
			})
		},
	}
	addCreateFlags(c, &f)
	c.Flags().UintVar(&preserveFDs, "preserve-fds", 0, "pass pod's file descriptors 3 to 3+N-1 to the container's process")
	c.Flags().BoolVarP(&detach, "detach", "d", false, "run in the background and print the container ID")
	c.Flags().StringArrayVarP(&attach, "attach", "a", nil, "attach only to this stream: stdin, stdout or stderr (repeatable; default all)")
	addAttachFlags(c.Flags(), &af)
	return c
}

// attachStreams reads run -a: nil for all streams, else the set named.
func attachStreams(names []string, detach bool) (map[string]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if detach {
		return nil, errors.New("-a/--attach and -d/--detach cannot be used together")
	}
	set := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(n)
		if n != "stdin" && n != "stdout" && n != "stderr" {
			return nil, fmt.Errorf("invalid --attach %q: use stdin, stdout or stderr", n)
		}
		set[n] = true
	}
	return set, nil
}

// proxySignals forwards the signals a user sends pod (Ctrl-C, kill) to the
// attached container, as Docker's --sig-proxy does. The returned func stops.
func proxySignals(rt *engine.Runtime, id string) func() {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-ch:
				n := int(s.(syscall.Signal))
				if err := rt.Kill(context.Background(), id, strconv.Itoa(n)); err != nil {
					logrus.Debugf("forward signal %d: %v", n, err)
				}
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// RunFlagInfo says whether name (long, or a shorthand letter) is a flag of
// `pod run` and whether it takes a value: `generate systemd --new` splits
// stored run/create command lines with it.
func RunFlagInfo(g *cli.Globals) func(name string) (known, takesValue bool) {
	return cli.FlagInfo(newRunCommand(g).Flags())
}
