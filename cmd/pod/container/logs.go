package container

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/logs"
)

func newLogsCommand(g *cli.Globals) *cobra.Command {
	var (
		opts         logs.Options
		since, until string
		tail         string
	)
	cmd := &cobra.Command{
		Use:     "logs [options] CONTAINER",
		Short:   "Print a container's output",
		Long:    "Print what a container wrote to its standard output and error: stdout lines to stdout, stderr lines to stderr.",
		Args:    cobra.ExactArgs(1),
		Example: "pod logs -f web\n  pod logs --since 10m --tail 20 -t web",
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			var err error
			if opts.Tail, err = parseTail(tail); err != nil {
				return err
			}
			if since != "" {
				if opts.Since, err = filters.ParseTime(since, now); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
			}
			if until != "" {
				if opts.Until, err = filters.ParseTime(until, now); err != nil {
					return fmt.Errorf("--until: %w", err)
				}
			}
			ctx := cmd.Context()
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			err = r.ContainerLogs(ctx, args[0], opts, g.Stdout, g.Stderr)
			if errors.Is(err, context.Canceled) {
				return nil // interrupted while following: the user is done
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new output until the container stops")
	f.StringVarP(&tail, "tail", "n", "all", "print only the last N lines ('all' or -1: every line)")
	f.StringVar(&since, "since", "", "print lines written after TIME (RFC 3339, Unix time, or a duration like 10m ago)")
	f.StringVar(&until, "until", "", "print lines written before TIME (RFC 3339, Unix time, or a duration like 10m ago)")
	f.BoolVarP(&opts.Timestamps, "timestamps", "t", false, "prefix each line with its time")
	return cmd
}

// parseTail reads --tail as Docker ("all" or N) and podman (-1 for all).
func parseTail(s string) (int, error) {
	if s == "all" || s == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("invalid --tail %q: want a number of lines or 'all'", s)
	}
	if n < 0 {
		return -1, nil
	}
	return n, nil
}
