package volume

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newMountCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "mount VOLUME [VOLUME...]",
		Short: "Mount a volume filesystem",
		Long: "Mount each volume's filesystem (a volume created with -o type=...) where the host can reach it and\n" +
			"print its data directory, one per line. A volume without a mount type is a plain directory: its path\n" +
			"is printed. Rootless, the mount exists only in pod's user and mount namespace: see it with `pod unshare`.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			var errs []error
			for _, name := range args {
				p, err := rt.MountVolume(ctx, name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(g.Stdout, p)
			}
			return reportErrors(g, errs)
		},
	}
}

func newUnmountCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:     "unmount VOLUME [VOLUME...]",
		Aliases: []string{"umount"},
		Short:   "Unmount a volume filesystem",
		Long: "Take back `pod volume mount`'s mount of each volume; its filesystem is unmounted once no running\n" +
			"container uses it either. Prints the volumes as given.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			var errs []error
			for _, name := range args {
				if err := rt.UnmountVolume(ctx, name); err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(g.Stdout, name)
			}
			return reportErrors(g, errs)
		},
	}
}
