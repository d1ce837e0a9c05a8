package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/engine"
)

func newExecCommand(g *cli.Globals) *cobra.Command {
	var o engine.ExecOptions
	var detachKeys string
	var preserveFDs uint
	c := &cobra.Command{
		Use:   "exec [options] CONTAINER COMMAND [ARG...]",
		Short: "Run a process in a running container",
		Long: "Run COMMAND in a running container, with the container's environment, user, limits and\n" +
			"security settings unless the options change them, and exit with its exit code. With -d pod\n" +
			"prints the session's ID and returns once the process runs; its output is discarded.",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			files, err := g.Inherited.Range(int(preserveFDs))
			if err != nil {
				return err
			}
			o.PassFiles = files
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			o.Cmd = args[1:]
			if o.Detach {
				id, _, err := rt.Exec(ctx, args[0], o)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, id)
				return nil
			}
			resize, restore := clientTerminal(g, o.Tty, o.Interactive)
			defer restore()
			o.Attach = engine.AttachOptions{Stdout: g.ContainerStdout(), Stderr: g.Stderr, DetachKeys: detachKeys, Resize: resize}
			if o.Interactive {
				o.Attach.Stdin = g.Stdin
			}
			_, code, err := rt.Exec(context.WithoutCancel(ctx), args[0], o)
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
		},
	}
	fs := c.Flags()
	fs.SetInterspersed(false)
	fs.BoolVarP(&o.Interactive, "interactive", "i", false, "keep stdin open and copy pod's stdin to the process")
	fs.BoolVarP(&o.Tty, "tty", "t", false, "allocate a pseudo-terminal for the process")
	fs.BoolVarP(&o.Detach, "detach", "d", false, "run the process in the background and print the session ID")
	fs.StringArrayVarP(&o.Env, "env", "e", nil, "set an environment variable (KEY=VALUE, or KEY to pass pod's own)")
	fs.StringArrayVar(&o.EnvFiles, "env-file", nil, "read environment variables from a file")
	fs.StringVarP(&o.User, "user", "u", "", "user to run as: name|uid[:group|gid] (default: the container's)")
	fs.StringVarP(&o.WorkingDir, "workdir", "w", "", "working directory (default: the container's)")
	fs.BoolVar(&o.Privileged, "privileged", false, "give the process every capability pod holds")
	fs.UintVar(&preserveFDs, "preserve-fds", 0, "pass pod's file descriptors 3 to 3+N-1 to the process")
	fs.StringVar(&detachKeys, "detach-keys", conmon.DefaultDetachKeys, `key sequence that detaches from the process, with -t ("" disables)`)
	return c
}

// newExecCleanupCommand is the exit command an exec session's monitor runs
// once the process ended. Users never need it.
func newExecCleanupCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:    "exec-cleanup CONTAINER SESSION",
		Short:  "Forget an ended exec session (run by its monitor)",
		Hidden: true,
		Args:   cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.ExecCleanup(cmd.Context(), args[0], args[1])
		},
	}
}
