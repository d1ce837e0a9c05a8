package pod

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newCloneCommand(g *cli.Globals) *cobra.Command {
	var (
		o  engine.PodCloneOptions
		pf podFlags
	)
	c := &cobra.Command{
		Use:   "clone [options] POD",
		Short: "Clone a pod and its containers",
		Long: "Create a new pod with the settings of POD (namespaces, networks, published ports, labels, volumes,\n" +
			"limits, exit policy), changed by the options given, and a copy of each of its containers, named\n" +
			"NAME-clone. Prints the new pod's ID.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pf.finish(cmd); err != nil {
				return err
			}
			o.Override = func(po *engine.PodCreateOptions) { pf.override(cmd, po) }
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			p, err := rt.ClonePod(ctx, args[0], o)
			if p != nil {
				fmt.Fprintln(g.Stdout, p.ID)
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Name, "name", "n", "", "name of the new pod (default: POD-clone)")
	f.BoolVar(&o.Destroy, "destroy", false, "remove the original pod")
	f.BoolVar(&o.Start, "start", false, "start the new pod")
	pf.bind(f, true)
	return c
}
