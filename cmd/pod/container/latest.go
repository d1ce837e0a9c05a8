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

// latestVerbs are the commands that take podman's -l/--latest in place of
// their first CONTAINER argument.
var latestVerbs = map[string]bool{
	"attach": true, "diff": true, "exec": true, "init": true, "inspect": true, "kill": true,
	"logs": true, "mount": true, "pause": true, "port": true, "restart": true, "rm": true,
	"start": true, "stats": true, "stop": true, "top": true, "unmount": true, "unpause": true,
	"wait": true,
}

// addLatest gives each of cmds named in latestVerbs podman's --latest: the
// most recently created container stands for the first CONTAINER
// argument. Where a command takes several containers, --latest takes the
// place of all of them, as podman's does.
func addLatest(g *cli.Globals, cmds []*cobra.Command) {
	for _, c := range cmds {
		if latestVerbs[c.Name()] && c.Flags().Lookup("latest") == nil {
			withLatest(g, c)
		}
	}
}

func withLatest(g *cli.Globals, c *cobra.Command) {
	var latest bool
	short := "l"
	if c.Flags().ShorthandLookup("l") != nil {
		short = ""
	}
	c.Flags().BoolVarP(&latest, "latest", short, false, "act on the latest container pod knows of (in any state)")
	several := strings.Contains(c.Use, "CONTAINER...") || strings.Contains(c.Use, "NAME...")
	args, run := c.Args, c.RunE
	c.Args = func(cmd *cobra.Command, a []string) error {
		if !latest {
			if args == nil {
				return nil
			}
			return args(cmd, a)
		}
		if several && len(a) > 0 {
			return errors.New("--latest and container names or IDs cannot be used together")
		}
		if args == nil {
			return nil
		}
		// Checked as though the latest container were named first.
		return args(cmd, append([]string{"latest"}, a...))
	}
	c.RunE = func(cmd *cobra.Command, a []string) error {
		if latest {
			id, err := latestContainer(cmd.Context(), g)
			if err != nil {
				return err
			}
			a = append([]string{id}, a...)
		}
		return run(cmd, a)
	}
}

// latestContainer is the ID of the container created last.
func latestContainer(ctx context.Context, g *cli.Globals) (string, error) {
	rt, err := g.OpenContainers(ctx)
	if err != nil {
		return "", err
	}
	defer rt.Close()
	ctrs, err := rt.ListContainers(ctx, engine.ListOptions{Latest: true})
	if err != nil {
		return "", err
	}
	if len(ctrs) == 0 {
		return "", errdefs.NotFoundf("--latest: there are no containers")
	}
	return ctrs[0].ID, nil
}
