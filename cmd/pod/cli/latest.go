package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// LatestContainer is the ID of the container created last (podman's
// --latest).
func LatestContainer(ctx context.Context, g *Globals) (string, error) {
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

// AddLatest gives c podman's -l/--latest: the object that latest returns
// (the container or pod created last) stands for c's first argument. Where
// c takes several (its Use has "NOUN..."), --latest takes the place of
// all of them, as podman's does. -l stays free where c uses it already.
func AddLatest(c *cobra.Command, noun string, latest func(ctx context.Context) (string, error)) {
	var on bool
	short := "l"
	if c.Flags().ShorthandLookup("l") != nil {
		short = ""
	}
	lower := strings.ToLower(noun)
	c.Flags().BoolVarP(&on, "latest", short, false, "act on the "+lower+" created last (in any state)")
	several := strings.Contains(c.Use, noun+"...") || strings.Contains(c.Use, "NAME...")
	args, run := c.Args, c.RunE
	c.Args = func(cmd *cobra.Command, a []string) error {
		if on && several && len(a) > 0 {
			return fmt.Errorf("--latest and %s names or IDs cannot be used together", lower)
		}
		if args == nil {
			return nil
		}
		if on {
			// Checked as though the latest were named first.
			a = append([]string{"latest"}, a...)
		}
		return args(cmd, a)
	}
	c.RunE = func(cmd *cobra.Command, a []string) error {
		if on {
			id, err := latest(cmd.Context())
			if err != nil {
				return err
			}
			a = append([]string{id}, a...)
		}
		return run(cmd, a)
	}
}
