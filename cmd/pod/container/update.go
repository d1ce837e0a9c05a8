package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newUpdateCommand(g *cli.Globals) *cobra.Command {
	var f limitFlags
	c := &cobra.Command{
		Use:   "update [options] CONTAINER",
		Short: "Change the resource limits of a container",
		Long: "Change the cgroup limits of a container. A running container's cgroup changes at once\n" +
			"(runc update); the new limits are kept for its later starts. Only the limits given change.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ctr, err := rt.Update(cmd.Context(), args[0], f.options(cmd, f.o))
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, ctr.ID)
			return nil
		},
	}
	fs := c.Flags()
	addLimitFlags(fs, &f)
	// runc update cannot change these.
	fs.MarkHidden("oom-kill-disable")
	fs.MarkHidden("oom-score-adj")
	return c
}
