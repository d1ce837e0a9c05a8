package kube

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newGenerateCommand(g *cli.Globals, use string) *cobra.Command {
	var (
		o    engine.KubeGenerateOptions
		file string
	)
	c := &cobra.Command{
		Use:   use + " [options] POD|CONTAINER|VOLUME...",
		Short: "Write Kubernetes YAML for pods, containers and volumes",
		Long: "Write a Pod (or with --type deployment a Deployment) for each pod, one Pod for the containers\n" +
			"named, and a PersistentVolumeClaim for each volume: command, env, ports, volumes, limits,\n" +
			"security context and health probe as the containers have them. --service adds a NodePort\n" +
			"Service for the published ports.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			b, err := rt.GenerateKube(ctx, args, o)
			if err != nil {
				return err
			}
			if file == "" {
				_, err = g.Stdout.Write(b)
				return err
			}
			if _, err := os.Stat(file); err == nil {
				return errdefs.AlreadyExistsf("cannot write to %q: file exists", file)
			}
			if err := os.WriteFile(file, b, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", file, err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.Service, "service", "s", false, "also write a NodePort Service for the published ports")
	f.StringVarP(&o.Type, "type", "t", "pod", "kind of the workload: pod or deployment")
	f.StringVarP(&file, "filename", "f", "", "write the YAML to this file (which must not exist)")
	return c
}
