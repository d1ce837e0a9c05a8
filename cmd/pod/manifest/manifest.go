// Package manifest holds `pod manifest VERB`: manifest lists and image
// indexes kept in local storage, built from local and remote images and
// pushed to registries with their images.
package manifest

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// Commands returns the `manifest` group.
func Commands(g *cli.Globals) []*cobra.Command {
	group := &cobra.Command{
		Use:   "manifest",
		Short: "Manage manifest lists and image indexes",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	group.AddCommand(newCreateCommand(g), newAddCommand(g), newAnnotateCommand(g), newInspectCommand(g),
		newPushCommand(g), newRemoveCommand(g), newRmCommand(g), newExistsCommand(g))
	return []*cobra.Command{group}
}

// parseAnnotations reads KEY=VALUE annotations.
func parseAnnotations(in []string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, a := range in {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, errdefs.InvalidArgumentf("no value given for annotation %q: use KEY=VALUE", a)
		}
		out[k] = v
	}
	return out, nil
}

// printID prints what a list command changed: the list's ID.
func printID(g *cli.Globals, id string) {
	fmt.Fprintln(g.Stdout, id)
}
