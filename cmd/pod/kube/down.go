package kube

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newDownCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "down [options] FILE|URL|-",
		Short: "Remove the pods a Kubernetes YAML made",
		Long: "Stop and remove the pods of the Pods and Deployments in the YAML, with their emptyDir volumes and\n" +
			"configMap files. The volumes of PersistentVolumeClaims stay.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			in, err := openInput(ctx, g, args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			return runDown(cmd, g, rt, in)
		},
	}
}

func runDown(cmd *cobra.Command, g *cli.Globals, rt *engine.Runtime, in io.Reader) error {
	rep, err := rt.DownKube(cmd.Context(), in)
	if rep != nil {
		if len(rep.Pods) > 0 {
			fmt.Fprintln(g.Stdout, "Pods stopped:")
			for _, id := range rep.Pods {
				fmt.Fprintln(g.Stdout, id)
			}
			fmt.Fprintln(g.Stdout, "Pods removed:")
			for _, id := range rep.Pods {
				fmt.Fprintln(g.Stdout, id)
			}
		}
		if len(rep.Volumes) > 0 {
			fmt.Fprintln(g.Stdout, "Volumes removed:")
			for _, v := range rep.Volumes {
				fmt.Fprintln(g.Stdout, v)
			}
		}
	}
	return err
}
