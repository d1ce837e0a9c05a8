package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/top"
)

func newTopCommand(g *cli.Globals) *cobra.Command {
	var listDescriptors bool
	c := &cobra.Command{
		Use:   "top [options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]",
		Short: "Display the running processes of a container",
		Long: "List the processes of a running container. Descriptors (user, pid, ppid, pcpu, etime, tty, time, args,\n" +
			"comm, hpid, huser, ...; see --list-descriptors) choose the columns, read from /proc; anything else is\n" +
			"passed as options to ps(1), run inside the container's PID and mount namespaces.",
		Example: "pod top web\n  pod top web pid,user,args\n  pod top web -ef",
		Args: func(cmd *cobra.Command, args []string) error {
			if listDescriptors {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if listDescriptors {
				for _, d := range top.Descriptors() {
					fmt.Fprintln(g.Stdout, d)
				}
				return nil
			}
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			rows, err := rt.Top(ctx, args[0], args[1:])
			if err != nil {
				return err
			}
			return cli.WriteColumns(g.Stdout, rows)
		},
	}
	// Everything after the container is the descriptors or ps(1)'s own
	// options (-ef, aux), not pod's flags.
	c.Flags().SetInterspersed(false)
	c.Flags().BoolVar(&listDescriptors, "list-descriptors", false, "list the descriptors top accepts")
	return c
}
