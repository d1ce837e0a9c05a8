package container

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newExistsCommand(g *cli.Globals) *cobra.Command {
	var external bool
	c := cli.NewExistsCommand(g, "CONTAINER", "a container", g.OpenContainers, func(ctx context.Context, rt *engine.Runtime, name string) (bool, error) {
		_, err := rt.Container(ctx, name)
		if errors.Is(err, errdefs.ErrNotFound) {
			if external {
				return externalExists(ctx, rt, name)
			}
			return false, nil
		}
		return err == nil, err
	})
	c.Flags().BoolVar(&external, "external", false, "count the containers of storage that pod does not know too (as ps --external lists them)")
	return c
}

// externalExists says whether name is the name, ID or a unique ID prefix
// of a storage container that pod does not know (made by buildah, say).
func externalExists(ctx context.Context, rt *engine.Runtime, name string) (bool, error) {
	list, err := rt.ListContainers(ctx, engine.ListOptions{All: true, External: true})
	if err != nil {
		return false, err
	}
	matches := 0
	for _, c := range list {
		if c.Status != engine.StatusExternal {
			continue
		}
		if c.Name == name || c.ID == name {
			return true, nil
		}
		if strings.HasPrefix(c.ID, name) {
			matches++
		}
	}
	return matches == 1, nil
}
