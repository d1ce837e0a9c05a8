package kube

import (
	"bytes"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newPlayCommand(g *cli.Globals, use string) *cobra.Command {
	var (
		o          engine.KubePlayOptions
		start      bool
		down       bool
		configMaps []string
		quiet      bool
	)
	c := &cobra.Command{
		Use:   use + " [options] FILE|URL|-",
		Short: "Run pods from Kubernetes YAML",
		Long: "Run the Pods and Deployments (one replica) of a Kubernetes YAML file, with its ConfigMaps and Secrets\n" +
			"(as env and as files), PersistentVolumeClaims (named volumes), hostPath and emptyDir volumes and\n" +
			"NodePort Services (published ports). Documents of other kinds are reported and skipped. Prints the\n" +
			"volumes, pods and containers made. --down removes what the file made instead.",
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
			if down {
				return runDown(cmd, g, rt, in)
			}
			for _, f := range configMaps {
				cm, err := openInput(ctx, g, f)
				if err != nil {
					return fmt.Errorf("--configmap: %w", err)
				}
				b, err := io.ReadAll(cm)
				cm.Close()
				if err != nil {
					return fmt.Errorf("--configmap %s: %w", f, err)
				}
				o.ConfigMaps = append(o.ConfigMaps, bytes.NewReader(b))
			}
			o.Input, o.NoStart, o.Warn = in, !start, g.Stderr
			rep, err := rt.PlayKube(ctx, o)
			if err != nil {
				return err
			}
			if quiet {
				return nil
			}
			if len(rep.Volumes) > 0 {
				fmt.Fprintln(g.Stdout, "Volumes:")
				for _, v := range rep.Volumes {
					fmt.Fprintln(g.Stdout, v)
				}
			}
			for _, p := range rep.Pods {
				fmt.Fprintf(g.Stdout, "Pod:\n%s\n", p.ID)
				if len(p.Containers) > 0 {
					fmt.Fprintln(g.Stdout, "Containers:")
					for _, id := range p.Containers {
						fmt.Fprintln(g.Stdout, id)
					}
				}
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&o.Replace, "replace", false, "remove pods of the same names first")
	f.BoolVar(&start, "start", true, "start the pods (--start=false only creates them)")
	f.BoolVar(&down, "down", false, "remove what the YAML made, as kube down")
	f.StringArrayVar(&o.Networks, "network", nil, "connect the pods to this network")
	f.StringArrayVar(&configMaps, "configmap", nil, "YAML file with ConfigMaps the pods use (repeatable)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing")
	return c
}
