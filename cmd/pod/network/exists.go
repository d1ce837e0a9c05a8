package network

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newExistsCommand(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "NETWORK", "a network", g.OpenContainers, func(ctx context.Context, rt *engine.Runtime, name string) (bool, error) {
		return rt.NetworkExists(ctx, name)
	})
}
