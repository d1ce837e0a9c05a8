package volume

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// Exit codes of volume rm, as podman documents them.
const (
	rmExitNotFound = 1 // a volume did not exist, and nothing else failed
	rmExitInUse    = 2 // a volume is used by a container
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
			rt, err := g.Open(cmd.Context())
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

// rmError prints all errors and picks podman's exit code: 2 when a volume
// is in use, 1 when every failure was a missing volume, else 125.
func rmError(g *cli.Globals, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	code := rmExitNotFound
	for _, e := range errs {
		switch {
		case errors.Is(e, errdefs.ErrConflict):
			code = rmExitInUse
		case errors.Is(e, errdefs.ErrNotFound):
		default:
			if code != rmExitInUse {
				code = cli.ExitEngine
			}
		}
	}
	if err := reportErrors(g, errs); err != nil {
		return &cli.ExitError{Code: code, Err: err}
	}
	return nil
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
				fmt.Fprint(g.Stdout, "WARNING! This will remove all volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ")
				answer, _ := bufio.NewReader(g.Stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return nil
				}
			}
			rt, err := g.Open(cmd.Context())
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
