package pod

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newRemoveCommand(g *cli.Globals) *cobra.Command {
	var (
		all, ignore bool
		timeout     int
		opts        engine.PodRemoveOptions
		idFiles     []string
	)
	c := &cobra.Command{
		Use:   "rm [options] POD [POD...]",
		Short: "Remove one or more stopped pods and their containers",
		Long: "Remove pods with their containers, the infra container last. A pod with running containers\n" +
			"is refused unless --force, which stops them first. Exit 1 when a pod does not exist, 2 when\n" +
			"one has running containers, 125 for other failures.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !all && len(idFiles) == 0 {
				return errdefs.InvalidArgumentf("provide one or more pod names or IDs, or use --all")
			}
			if len(args) > 0 && all {
				return errdefs.InvalidArgumentf("--all and pod names cannot be used together")
			}
			return nil
		},
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
			for _, f := range idFiles {
				b, err := os.ReadFile(f)
				if err != nil {
					if ignore && errors.Is(err, os.ErrNotExist) {
						continue
					}
					return fmt.Errorf("read --pod-id-file: %w", err)
				}
				args = append(args, strings.TrimSpace(string(b)))
			}
			if all {
				if args, err = podIDs(ctx, rt); err != nil {
					return err
				}
			}
			var errs []error
			for _, name := range args {
				p, err := rt.Pod(ctx, name)
				if err == nil {
					err = rt.RemovePod(ctx, p.ID, opts)
				}
				if err != nil {
					if !(ignore && errors.Is(err, errdefs.ErrNotFound)) {
						errs = append(errs, err)
					}
					continue
				}
				fmt.Fprintln(g.Stdout, p.ID)
			}
			return cli.RemoveError(g.Stderr, errs)
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "remove all pods")
	f.BoolVarP(&opts.Force, "force", "f", false, "stop running containers and remove the pod")
	f.BoolVarP(&ignore, "ignore", "i", false, "ignore pods that do not exist")
	f.IntVarP(&timeout, "time", "t", 10, "seconds to wait for running containers to stop before killing them (with --force)")
	f.StringArrayVar(&idFiles, "pod-id-file", nil, "read the pod ID from this file")
	return c
}
