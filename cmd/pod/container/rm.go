package container

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newRemoveCommand(g *cli.Globals) *cobra.Command {
	var sel selectFlags
	var ignore bool
	var timeout int
	var opts engine.RemoveOptions
	c := &cobra.Command{
		Use:     "rm [options] CONTAINER [CONTAINER...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more containers",
		Long: "Remove containers: their storage, logs and state. A running container is refused unless\n" +
			"--force, which stops it first. Prints the containers as given (with --all, their IDs).",
		Args: sel.args(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if cmd.Flags().Changed("time") {
				opts.Timeout = &timeout
			}
			if sel.all {
				// As podman's: --all removes dependents before what
				// they depend on, which may then be gone already.
				opts.Depend, ignore = true, true
			}
			if args, err = sel.targets(ctx, rt, args, ignore); err != nil {
				return err
			}
			// Like podman's and docker's, a forced removal of what is
			// already gone succeeds.
			ignore = ignore || opts.Force
			opts.Removed = func(id string) { fmt.Fprintln(g.Stdout, id) }
			return each(g, args, rmCode, func(name string) error {
				err := rt.Remove(ctx, name, opts)
				if ignore && errors.Is(err, engine.ErrNoSuchContainer) {
					return errSkipped
				}
				return err
			})
		},
	}
	f := c.Flags()
	f.BoolVarP(&sel.all, "all", "a", false, "remove all containers")
	f.StringArrayVar(&sel.filters, "filter", nil, "remove the containers that match, as ps --filter selects them (implies --all)")
	f.BoolVar(&opts.Depend, "depend", false, "remove the containers that depend on it (--network container:) first")
	f.BoolVarP(&opts.Force, "force", "f", false, "stop and remove running containers (and those that depend on them); a missing container is no error")
	f.StringArrayVar(&sel.cidfiles, "cidfile", nil, "remove the container whose ID run --cidfile wrote to FILE (repeatable)")
	f.BoolVarP(&ignore, "ignore", "i", false, "ignore containers (and --cidfile files) that do not exist")
	f.BoolVarP(&opts.Volumes, "volumes", "v", false, "remove the container's anonymous volumes")
	f.IntVarP(&timeout, "time", "t", 10, "seconds to wait before killing a running container with --force")
	return c
}

func rmCode(err error) int {
	switch {
	case errors.Is(err, engine.ErrNoSuchContainer):
		return cli.ExitNoSuchObject
	case errors.Is(err, engine.ErrCtrStateInvalid), errors.Is(err, errdefs.ErrConflict):
		return cli.ExitInUse
	}
	return cli.ExitCode(err)
}
