package volume

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newRemoveCommand(g *cli.Globals) *cobra.Command {
	var (
		opts    engine.RemoveVolumesOptions
		timeout int
	)
	c := &cobra.Command{
		Use:     "rm [options] VOLUME [VOLUME...]",
		Aliases: []string{"remove"},
		Short:   "Remove volumes",
		Long: "Remove volumes and their data. A volume a container uses is refused unless --force,\n" +
			"which removes those containers first.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !opts.All {
				return errors.New("choose either one or more volumes or all")
			}
			if len(args) > 0 && opts.All {
				return errors.New("choose either one or more volumes or all")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("time") {
				opts.Timeout = &timeout
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			removed, errs := rt.RemoveVolumes(cmd.Context(), args, opts)
			for _, n := range removed {
				fmt.Fprintln(g.Stdout, n)
			}
			return rmError(g, errs)
		},
	}
	f := c.Flags()
	f.BoolVarP(&opts.Force, "force", "f", false, "remove the containers using the volumes too")
	f.BoolVarP(&opts.All, "all", "a", false, "remove all volumes")
	f.IntVarP(&timeout, "time", "t", 10, "seconds to wait for containers to stop before killing them (with --force)")
	return c
}

// rmError prints all errors with podman's exit code for volume rm.
func rmError(g *cli.Globals, errs []error) error {
	return cli.RemoveError(g.Stderr, errs)
}

func newPruneCommand(g *cli.Globals) *cobra.Command {
	var (
		filters []string
		force   bool
	)
	c := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove all volumes no container uses",
		Long:  "Remove every volume that no container uses (matching --filter). Asks first unless --force.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force {
				if !cli.Confirm(g.Stdin, g.Stdout, "This will remove all volumes not used by at least one container.") {
					return nil
				}
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			removed, err := rt.PruneVolumes(cmd.Context(), filters)
			for _, n := range removed {
				fmt.Fprintln(g.Stdout, n)
			}
			return err
		},
	}
	f := c.Flags()
	f.BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	f.StringArrayVar(&filters, "filter", nil, "remove only matching volumes (label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME)")
	return c
}
