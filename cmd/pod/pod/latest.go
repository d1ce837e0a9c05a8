package pod

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// latestVerbs are the pod commands that take podman's -l/--latest in place
// of their POD argument.
var latestVerbs = map[string]bool{
	"inspect": true, "kill": true, "logs": true, "pause": true, "restart": true, "rm": true,
	"start": true, "stats": true, "stop": true, "top": true, "unpause": true,
}

// addLatest gives each of cmds named in latestVerbs podman's --latest.
func addLatest(g *cli.Globals, cmds []*cobra.Command) {
	for _, c := range cmds {
		if latestVerbs[c.Name()] && c.Flags().Lookup("latest") == nil {
			cli.AddLatest(c, "POD", func(ctx context.Context) (string, error) { return latestPod(ctx, g) })
		}
	}
}

// latestPod is the ID of the pod created last.
func latestPod(ctx context.Context, g *cli.Globals) (string, error) {
	rt, err := g.OpenContainers(ctx)
	if err != nil {
		return "", err
	}
	defer rt.Close()
	pods, err := rt.Pods(ctx)
	if err != nil {
		return "", err
	}
	if len(pods) == 0 {
		return "", errdefs.NotFoundf("--latest: there are no pods")
	}
	newest := pods[0]
	for _, p := range pods[1:] {
		if p.CreatedAt.After(newest.CreatedAt) {
			newest = p
		}
	}
	return newest.ID, nil
}
