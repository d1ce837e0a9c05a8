package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newCloneCommand(g *cli.Globals) *cobra.Command {
	var opts engine.CloneOptions
	var limits limitFlags
	c := &cobra.Command{
		Use:   "clone [options] CONTAINER [NAME] [IMAGE]",
		Short: "Create a copy of an existing container",
		Long: "Create a new container with the configuration of CONTAINER (by default named after it with\n" +
			"-clone appended), optionally from another IMAGE, and print its ID.",
		Args: cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				if cmd.Flags().Changed("name") && opts.Name != args[1] {
					return fmt.Errorf("the name is given twice: --name %s and %s", opts.Name, args[1])
				}
				opts.Name = args[1]
			}
			if len(args) > 2 {
				opts.Image = args[2]
			}
			opts.Limits = limits.options(cmd, engine.LimitOptions{})
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ctr, err := rt.Clone(cmd.Context(), args[0], opts)
			if ctr != nil {
				fmt.Fprintln(g.Stdout, ctr.ID)
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Name, "name", "", "the clone's name (default: CONTAINER-clone)")
	f.BoolVar(&opts.Destroy, "destroy", false, "remove the original container once cloned")
	f.BoolVar(&opts.Run, "run", false, "start the clone")
	f.BoolVarP(&opts.Force, "force", "f", false, "with --destroy: remove the original even if it runs")
	f.StringVar(&opts.Pod, "pod", "", "make the clone in this pod (sharing the namespaces it shares)")
	addCloneLimitFlags(f, &limits)
	return c
}
