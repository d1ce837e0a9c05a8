package volume

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var o engine.VolumeCreateOptions
	c := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a volume",
		Long: "Create a volume and print its name. Without NAME the volume gets a random 64-character name.\n" +
			"With -o type=... the filesystem is mounted on the volume when a container using it starts,\n" +
			"and unmounted when the last such container stops.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Name = args[0]
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			v, err := rt.CreateVolume(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, v.Name)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Driver, "driver", "d", "local", "volume driver (only local)")
	f.StringArrayVarP(&o.Labels, "label", "l", nil, "set a label (KEY=VALUE)")
	f.StringArrayVarP(&o.Options, "opt", "o", nil, "driver option: type=TYPE, device=DEVICE, o=MOUNT-OPTIONS (without type: o=uid=N,gid=N)")
	f.BoolVar(&o.IgnoreExisting, "ignore", false, "do not fail when the volume exists; leave it unchanged")
	return c
}
