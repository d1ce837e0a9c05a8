package container

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/engine"
)

// interactiveVerbs talk to running containers.
func interactiveVerbs() []verb {
	return []verb{
		{"attach", newAttachCommand},
		{"exec", newExecCommand},
		{"", newExecCleanupCommand},
	}
}

// attachFlags are the flags of the commands that attach a client to a
// container: run, start -a, attach.
type attachFlags struct {
	detachKeys string
	sigProxy   bool
}

func addAttachFlags(fs *pflag.FlagSet, f *attachFlags) {
	fs.StringVar(&f.detachKeys, "detach-keys", conmon.DefaultDetachKeys, `key sequence that detaches from a container with a terminal, e.g. "ctrl-p,ctrl-q" ("" disables)`)
	fs.BoolVar(&f.sigProxy, "sig-proxy", true, "forward the signals pod receives to the container (with or without a terminal)")
}

// attachSession runs stream, which copies a container's streams, with pod's
// terminal prepared and signals forwarded as Docker does, and turns its
// result into pod's exit: the container's exit code, or 0 when the user
// detached.
func attachSession(g *cli.Globals, rt *engine.Runtime, ctr *engine.Container, withStdin bool, f attachFlags, stream func(engine.AttachOptions) (int, error)) error {
	withStdin = withStdin && ctr.Config.OpenStdin
	resize, restore := clientTerminal(g, ctr.Config.Tty, withStdin)
	defer restore()
	// With a terminal too, as podman and Docker do: a key like Ctrl-C
	// reaches the container through its terminal (pod's is raw), but a
	// signal sent to pod itself (kill, a supervisor stopping it) must
	// reach the container as well.
	if f.sigProxy {
		stop := proxySignals(rt, ctr.ID)
		defer stop()
	}
	opts := engine.AttachOptions{Stdout: g.ContainerStdout(), Stderr: g.Stderr, DetachKeys: f.detachKeys, Resize: resize}
	if withStdin {
		opts.Stdin = g.Stdin
	}
	code, err := stream(opts)
	restore()
	switch {
	case errors.Is(err, engine.ErrDetached):
		return nil
	case err != nil:
		return err
	case code != 0:
		return cli.Exit(code)
	}
	return nil
}

func newAttachCommand(g *cli.Globals) *cobra.Command {
	var f attachFlags
	var noStdin bool
	c := &cobra.Command{
		Use:   "attach [options] CONTAINER",
		Short: "Attach to a running container",
		Long: "Connect pod's stdin, stdout and stderr to a running container's, until it exits (pod then exits\n" +
			"with its exit code) or the detach keys are typed (the container goes on running).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			ctr, err := rt.Container(ctx, args[0])
			if err != nil {
				return err
			}
			return attachSession(g, rt, ctr, !noStdin, f, func(o engine.AttachOptions) (int, error) {
				// Signals go to the container, not to this copy.
				return rt.Attach(context.WithoutCancel(ctx), ctr.ID, o)
			})
		},
	}
	addAttachFlags(c.Flags(), &f)
	c.Flags().BoolVar(&noStdin, "no-stdin", false, "do not attach stdin")
	return c
}
