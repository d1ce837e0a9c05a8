package container

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newMountCommand(g *cli.Globals) *cobra.Command {
	var all, noTrunc bool
	var format string
	c := &cobra.Command{
		Use:   "mount [options] [CONTAINER...]",
		Short: "Mount a working container's root filesystem",
		Long: "Mount each container's root filesystem and print where, one per line. With no container, list\n" +
			"the mounted ones. Rootless, the mount exists only in pod's user and mount namespace: see it with\n" +
			"`pod unshare`.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "" && format != "json" {
				return fmt.Errorf("invalid --format %q: only json is supported", format)
			}
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				if args, err = containerIDs(ctx, rt); err != nil {
					return err
				}
			}
			if len(args) > 0 {
				var last error
				for _, n := range args {
					p, err := rt.MountContainer(ctx, n)
					if err != nil {
						if last != nil {
							fmt.Fprintln(g.Stderr, cli.Message(last))
						}
						last = err
						continue
					}
					fmt.Fprintln(g.Stdout, p)
				}
				return last
			}
			mounted, err := rt.MountedContainers(ctx)
			if err != nil {
				return err
			}
			if format == "json" {
				type entry struct {
					ID         string   `json:"id"`
					Names      []string `json:"names"`
					Mountpoint string   `json:"mountpoint"`
				}
				out := []entry{}
				for _, m := range mounted {
					out = append(out, entry{m.ID, []string{m.Name}, m.MountPoint})
				}
				return cli.WriteJSON(g.Stdout, out)
			}
			tw := tabwriter.NewWriter(g.Stdout, 0, 0, 2, ' ', 0)
			for _, m := range mounted {
				id := m.ID
				if !noTrunc {
					id = id[:12]
				}
				fmt.Fprintf(tw, "%s\t%s\n", id, m.MountPoint)
			}
			return tw.Flush()
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "mount all containers")
	f.BoolVar(&noTrunc, "no-trunc", false, "show full container IDs in the list")
	f.BoolVar(&noTrunc, "notruncate", false, "show full container IDs in the list")
	f.StringVar(&format, "format", "", "'json' for JSON output of the list")
	return c
}

func newUnmountCommand(g *cli.Globals) *cobra.Command {
	var all, force bool
	c := &cobra.Command{
		Use:     "unmount [options] CONTAINER [CONTAINER...]",
		Aliases: []string{"umount"},
		Short:   "Unmount a working container's root filesystem",
		Long: "Take back one mount of each container's root filesystem (pod mount); the filesystem is unmounted\n" +
			"when nothing else uses it. A running container keeps its own mount. Prints the containers as given.",
		Args: namesOrAll(&all),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				mounted, err := rt.MountedContainers(ctx)
				if err != nil {
					return err
				}
				args = nil
				for _, m := range mounted {
					c, err := rt.Container(ctx, m.ID)
					if err != nil || c.Status == engine.StatusRunning || c.Status == engine.StatusPaused {
						continue // its mount is its run's
					}
					args = append(args, m.ID)
				}
			}
			return each(g, args, cli.ExitCode, func(n string) error { return rt.UnmountContainer(ctx, n, force) })
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "unmount every mounted container that does not run")
	f.BoolVarP(&force, "force", "f", false, "unmount however many times the filesystem was mounted")
	return c
}
