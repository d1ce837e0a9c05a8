package container

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newExistsCommand(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "CONTAINER", "a container", g.OpenContainers, func(ctx context.Context, rt *engine.Runtime, name string) (bool, error) {
		_, err := rt.Container(ctx, name)
		if errors.Is(err, errdefs.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
}
