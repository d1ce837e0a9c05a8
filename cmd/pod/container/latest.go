package container

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// latestVerbs are the commands that take podman's -l/--latest in place of
// their CONTAINER argument.
var latestVerbs = map[string]bool{
	"attach": true, "checkpoint": true, "diff": true, "exec": true, "init": true, "inspect": true, "kill": true,
	"logs": true, "mount": true, "pause": true, "port": true, "restart": true, "restore": true, "rm": true,
	"start": true, "stats": true, "stop": true, "top": true, "unmount": true, "unpause": true,
	"wait": true,
}

// addLatest gives each of cmds named in latestVerbs podman's --latest.
func addLatest(g *cli.Globals, cmds []*cobra.Command) {
	for _, c := range cmds {
		if latestVerbs[c.Name()] && c.Flags().Lookup("latest") == nil {
			cli.AddLatest(c, "CONTAINER", func(ctx context.Context) (string, error) { return latestContainer(ctx, g) })
		}
	}
}

// latestContainer is the ID of the container created last.
func latestContainer(ctx context.Context, g *cli.Globals) (string, error) {
	return cli.LatestContainer(ctx, g)
}
