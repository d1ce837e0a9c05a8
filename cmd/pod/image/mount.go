package image

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// mountVerbs are image mount and unmount (no top-level names: Docker has
// none, and `pod mount` is the container's).
func mountVerbs() []verb {
	return []verb{{new: newMountCommand}, {new: newUnmountCommand}}
}

func newMountCommand(g *cli.Globals) *cobra.Command {
	var all bool
	var format string
	c := &cobra.Command{
		Use:   "mount [options] [IMAGE...]",
		Short: "Mount an image's root filesystem read-only",
		Long: "Mount each image's root filesystem read-only and print where, one per line. With no image, list\n" +
			"the mounted ones. Rootless, the mount exists only in pod's user and mount namespace: see it with\n" +
			"`pod unshare`.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "" && format != "json" {
				return fmt.Errorf("invalid --format %q: only json is supported", format)
			}
			if all && len(args) > 0 {
				return errors.New("--all and image names cannot be used together")
			}
			ctx := cmd.Context()
			rt, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				imgs, err := rt.Store().Images()
				if err != nil {
					return err
				}
				for _, img := range imgs {
					args = append(args, img.ID)
				}
			}
			if len(args) > 0 {
				var last error
				for _, n := range args {
					p, err := rt.Images().MountImage(ctx, n)
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
			mounted, err := rt.Images().MountedImages(ctx)
			if err != nil {
				return err
			}
			if format == "json" {
				type entry struct {
					ID           string   `json:"id"`
					Names        []string `json:"Names"`
					Repositories []string `json:"Repositories"`
					Mountpoint   string   `json:"mountpoint"`
				}
				out := []entry{}
				for _, m := range mounted {
					names := []string{"sha256:" + m.ID}
					out = append(out, entry{m.ID, names, orEmpty(m.Repositories), m.MountPoint})
				}
				return cli.WriteJSON(g.Stdout, out)
			}
			for _, m := range mounted {
				name := m.ID
				if len(m.Repositories) > 0 {
					name = m.Repositories[0]
				}
				fmt.Fprintf(g.Stdout, "%s %s\n", name, m.MountPoint)
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "mount all images")
	f.StringVar(&format, "format", "", "'json' for JSON output of the list")
	return c
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func newUnmountCommand(g *cli.Globals) *cobra.Command {
	var all, force bool
	c := &cobra.Command{
		Use:     "unmount [options] IMAGE [IMAGE...]",
		Aliases: []string{"umount"},
		Short:   "Unmount an image's root filesystem",
		Long: "Take back one mount of each image (pod image mount), or all of them with --force; the\n" +
			"filesystem is unmounted when nothing else uses it. Prints each image's ID.",
		Args: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 0) == !all {
				return errors.New("when using the --all switch, you may not pass any image names or IDs")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				mounted, err := rt.Images().MountedImages(ctx)
				if err != nil {
					return err
				}
				for _, m := range mounted {
					args = append(args, m.ID)
				}
			}
			var last error
			for _, n := range args {
				err := rt.Images().UnmountImage(ctx, n, force)
				if err == nil {
					if img, lerr := rt.Store().LookupImage(n); lerr == nil {
						n = img.ID
					}
					fmt.Fprintln(g.Stdout, strings.TrimPrefix(n, "sha256:"))
					continue
				}
				if last != nil {
					fmt.Fprintln(g.Stderr, cli.Message(last))
				}
				last = err
			}
			return last
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "unmount all mounted images")
	f.BoolVarP(&force, "force", "f", false, "unmount whatever the mount count")
	return c
}
