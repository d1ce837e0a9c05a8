package image

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
)

func newRemoveCommand(g *cli.Globals) *cobra.Command {
	var opts images.RemoveImagesOptions
	c := &cobra.Command{
		Use:     "rm [options] IMAGE [IMAGE...]",
		Aliases: []string{"remove"},
		Short:   "Remove local images",
		Long: "Remove local images. An image named by one of several names only loses that name.\n" +
			"An image a container uses is refused unless --force, which removes those containers too.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !opts.All {
				return errors.New("requires at least one image name or ID, or --all")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			rep, errs := rt.Images().RemoveImages(cmd.Context(), args, opts)
			for _, n := range rep.Untagged {
				fmt.Fprintln(g.Stdout, "Untagged:", n)
			}
			for _, id := range rep.Deleted {
				fmt.Fprintln(g.Stdout, "Deleted:", id)
			}
			return rmiError(g, errs)
		},
	}
	f := c.Flags()
	f.BoolVarP(&opts.Force, "force", "f", false, "remove the containers using the images too; a missing image is no error")
	f.BoolVarP(&opts.Ignore, "ignore", "i", false, "ignore images that do not exist")
	f.BoolVarP(&opts.All, "all", "a", false, "remove all images")
	// pod never removes an image's parents with it, which is what
	// podman's flag turns off.
	f.Bool("no-prune", false, "do not remove dangling parent images (pod never does)")
	return c
}

// rmiError prints all errors with podman's exit code for rmi.
func rmiError(g *cli.Globals, errs []error) error {
	return cli.RemoveError(g.Stderr, errs)
}

func newPruneCommand(g *cli.Globals) *cobra.Command {
	var (
		opts     images.PruneImagesOptions
		force    bool
		external bool
	)
	c := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove unused images",
		Long:  "Remove dangling images (with --all, every image no container uses). Asks first unless --force.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force {
				what := "all dangling images"
				if opts.All {
					what = "all images without at least one container associated with them"
				}
				if !cli.Confirm(g.Stdin, g.Stdout, "This command removes "+what+".") {
					return nil
				}
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			if external {
				cs, err := rt.Containers(cmd.Context())
				if err != nil {
					return err
				}
				ours := map[string]bool{}
				for _, c := range cs {
					ours[c.ID] = true
				}
				opts.External = func(id string) bool { return !ours[id] }
			}
			removed, err := rt.Images().PruneImages(cmd.Context(), opts)
			for _, id := range removed {
				fmt.Fprintln(g.Stdout, id)
			}
			return err
		},
	}
	f := c.Flags()
	f.BoolVarP(&opts.All, "all", "a", false, "remove every image no container uses, not only dangling ones")
	f.BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	f.StringArrayVar(&opts.Filters, "filter", nil, "remove only matching images (label=KEY[=VALUE], until=TIME)")
	f.BoolVar(&external, "external", false, "also remove images only external containers use (buildah's, a build's), and those containers")
	return c
}
