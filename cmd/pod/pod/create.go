package pod

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var (
		pf        podFlags
		podIDFile string
	)
	c := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a new empty pod",
		Long: "Create a pod: an infra container (catatonit, from a local image pod makes itself) holds the\n" +
			"namespaces its containers share (net, ipc and uts by default) and the pod's published ports\n" +
			"and networks. Containers join it with `pod run --pod NAME`. A pod with limits (--memory,\n" +
			"--cpus, ...) gets a cgroup of its own that holds them and all its containers. Prints the pod's ID.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := &pf.o
			if len(args) == 1 {
				if o.Name != "" && o.Name != args[0] {
					return fmt.Errorf("cannot give the pod name both as --name %q and as argument %q", o.Name, args[0])
				}
				o.Name = args[0]
			}
			if err := pf.finish(cmd); err != nil {
				return err
			}
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			o.PullProgress = g.Stderr
			o.CreateCommand = append([]string(nil), os.Args...)
			p, err := rt.CreatePod(ctx, *o)
			if err != nil {
				return err
			}
			if podIDFile != "" {
				if err := os.WriteFile(podIDFile, []byte(p.ID), 0o644); err != nil {
					return fmt.Errorf("write --pod-id-file: %w", err)
				}
			}
			fmt.Fprintln(g.Stdout, p.ID)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&pf.o.Name, "name", "n", "", "name of the pod (default: a random name)")
	pf.bind(f, false)
	f.StringVar(&podIDFile, "pod-id-file", "", "write the pod ID to this file")
	return c
}

// CreateFlagInfo describes `pod pod create`'s flags, for generate
// systemd, which splits a stored pod create command line.
func CreateFlagInfo(g *cli.Globals) func(name string) (known, takesValue bool) {
	return cli.FlagInfo(newCreateCommand(g).Flags())
}
