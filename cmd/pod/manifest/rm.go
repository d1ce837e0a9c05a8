package manifest

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newRmCommand(g *cli.Globals) *cobra.Command {
	var ignore bool
	c := &cobra.Command{
		Use:   "rm [options] LIST [LIST...]",
		Short: "Remove manifest lists or image indexes from local storage",
		Long:  "Remove local manifest lists; the images they name stay. An image that is no list is refused.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			rep, errs := rt.Images().RemoveManifestLists(cmd.Context(), args, ignore)
			for _, n := range rep.Untagged {
				fmt.Fprintln(g.Stdout, "Untagged:", n)
			}
			for _, id := range rep.Deleted {
				fmt.Fprintln(g.Stdout, "Deleted:", id)
			}
			return cli.RemoveError(g.Stderr, errs)
		},
	}
	c.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore lists that do not exist")
	return c
}

func newRemoveCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove LIST DIGEST",
		Short: "Remove an entry from a manifest list or image index",
		Long:  "Remove the entry with this manifest digest from the manifest list LIST.",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			id, err := rt.Images().RemoveFromManifestList(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			// podman's words, space and all.
			fmt.Fprintf(g.Stdout, "%s :%s\n", id, args[1])
			return nil
		},
	}
}

func newExistsCommand(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "LIST", "a manifest list", g.Open, func(ctx context.Context, rt *engine.Runtime, name string) (bool, error) {
		return rt.Images().ManifestListExists(ctx, name)
	})
}
