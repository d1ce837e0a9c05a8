package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/logs"
)

func newLogsCommand(g *cli.Globals) *cobra.Command {
	var (
		opts         logs.Options
		since, until string
		tail         string
		names, color bool
	)
	cmd := &cobra.Command{
		Use:   "logs [options] CONTAINER [CONTAINER...]",
		Short: "Print a container's output",
		Long: "Print what a container wrote to its standard output and error: stdout lines to stdout, stderr lines to stderr.\n" +
			"With several containers, each line starts with its container's short ID (or name, --names), as podman prints them;\n" +
			"--color gives each container's prefix a color of its own.",
		Args:    cobra.MinimumNArgs(1),
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
			if len(args) == 1 {
				err = r.ContainerLogs(ctx, args[0], opts, g.Stdout, g.Stderr)
			} else {
				err = severalLogs(ctx, r, args, opts, names, color, g)
			}
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
	f.BoolVar(&names, "names", false, "with several containers, prefix lines with container names instead of IDs")
	f.BoolVar(&color, "color", false, "with several containers, color each container's prefix differently (ANSI escapes)")
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

// severalLogs prints the logs of several containers, each line prefixed
// with its container's short ID or name: one after the other, or, when
// following, all at once (whole lines never interleave).
func severalLogs(ctx context.Context, r *engine.Runtime, args []string, opts logs.Options, names, color bool, g *cli.Globals) error {
	var mu sync.Mutex
	run := func(i int, arg string) error {
		c, err := r.Container(ctx, arg)
		if err != nil {
			return err
		}
		prefix := c.ID[:12]
		if names {
			prefix = c.Name
		}
		if color {
			prefix = logColors[i%len(logColors)] + prefix + "\033[0m"
		}
		out := &prefixWriter{mu: &mu, w: g.Stdout, prefix: prefix + " "}
		errw := &prefixWriter{mu: &mu, w: g.Stderr, prefix: prefix + " "}
		err = r.ContainerLogs(ctx, c.ID, opts, out, errw)
		out.flush()
		errw.flush()
		return err
	}
	if !opts.Follow {
		var errs []error
		for i, a := range args {
			if err := run(i, a); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	errs := make([]error, len(args))
	var wg sync.WaitGroup
	for i, a := range args {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run(i, a)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// logColors are the ANSI colors logs --color gives the containers' prefixes
// in turn.
var logColors = []string{"\033[0;32m", "\033[0;33m", "\033[0;34m", "\033[0;35m", "\033[0;36m", "\033[0;31m"}

// prefixWriter writes whole lines to w, each starting with prefix, under
// mu (shared by the writers of one output).
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.mu.Lock()
		_, err := fmt.Fprintf(p.w, "%s%s", p.prefix, p.buf[:i+1])
		p.mu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
}

// flush writes a last line without its newline.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		p.mu.Lock()
		fmt.Fprintf(p.w, "%s%s", p.prefix, p.buf)
		p.mu.Unlock()
		p.buf = nil
	}
}
