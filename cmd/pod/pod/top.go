package pod

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newTopCommand(g *cli.Globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "top [options] POD [FORMAT-DESCRIPTORS|ARGS...]",
		Short: "Display the running processes of a pod's containers",
		Long: "List the processes of every running container of the pod, the infra container's too, with the\n" +
			"columns and descriptors of `pod top` (see pod top --list-descriptors).",
		Example: "pod pod top web\n  pod pod top web pid,user,args",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			rows, err := rt.PodTop(ctx, args[0], args[1:])
			if err != nil {
				return err
			}
			return cli.WriteColumns(g.Stdout, rows)
		},
	}
	c.Flags().SetInterspersed(false)
	return c
}
