package pod

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/logs"
)

type logsOptions struct {
	container, since, until string
	follow, timestamps      bool
	names, color            bool
	tail                    int
}

func newLogsCommand(g *cli.Globals) *cobra.Command {
	var o logsOptions
	c := &cobra.Command{
		Use:   "logs [options] POD",
		Short: "Fetch the logs of a pod's containers",
		Long: "Print the logs of every container of the pod (or of one, --container), each line prefixed\n" +
			"with its container's short ID (--names: its name). With --follow the logs are read together\n" +
			"as they grow, until the containers exit.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogs(cmd.Context(), g, args[0], o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.container, "container", "c", "", "print the logs of this container of the pod only")
	f.BoolVarP(&o.follow, "follow", "f", false, "follow the logs")
	f.BoolVarP(&o.names, "names", "n", false, "prefix lines with container names instead of IDs")
	f.BoolVar(&o.color, "color", false, "print each container's lines in a color of its own")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "show timestamps")
	f.IntVar(&o.tail, "tail", -1, "print only the last N lines of each container (-1: all)")
	f.StringVar(&o.since, "since", "", "print lines since a time (RFC 3339, Unix time or duration)")
	f.StringVar(&o.until, "until", "", "print lines until a time (RFC 3339, Unix time or duration)")
	return c
}

func runLogs(ctx context.Context, g *cli.Globals, name string, o logsOptions) error {
	lo := logs.Options{Follow: o.follow, Tail: o.tail, Timestamps: o.timestamps}
	now := time.Now()
	var err error
	if o.since != "" {
		if lo.Since, err = filters.ParseTime(o.since, now); err != nil {
			return errdefs.InvalidArgumentf("invalid --since %q: %v", o.since, err)
		}
	}
	if o.until != "" {
		if lo.Until, err = filters.ParseTime(o.until, now); err != nil {
			return errdefs.InvalidArgumentf("invalid --until %q: %v", o.until, err)
		}
	}
	rt, err := g.OpenContainers(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	p, members, err := rt.PodMembers(ctx, name)
	if err != nil {
		return err
	}
	if o.container != "" {
		c, err := rt.Container(ctx, o.container)
		if err != nil {
			return err
		}
		if c.PodID != p.ID {
			return errdefs.InvalidArgumentf("container %s is not in pod %s", c.Name, p.Name)
		}
		members = []*engine.Container{c}
	}
	var mu sync.Mutex
	colorOf := map[string]string{}
	for i, c := range members {
		colorOf[c.ID] = logColors[i%len(logColors)]
	}
	prefixed := func(c *engine.Container, w io.Writer) io.Writer {
		tag := c.ID[:12]
		if o.names {
			tag = c.Name
		}
		pw := &prefixWriter{mu: &mu, w: w, prefix: []byte(tag + " ")}
		if o.color {
			// The whole line in the container's color, as podman.
			pw.prefix = append([]byte(colorOf[c.ID]), pw.prefix...)
			pw.suffix = []byte(colorReset)
		}
		return pw
	}
	read := func(c *engine.Container) error {
		stdout, stderr := prefixed(c, g.Stdout), prefixed(c, g.Stderr)
		err := rt.ContainerLogs(ctx, c.ID, lo, stdout, stderr)
		stdout.(*prefixWriter).flush()
		stderr.(*prefixWriter).flush()
		if errors.Is(err, errdefs.ErrInvalidArg) && !o.follow {
			return nil // a container with the none log driver
		}
		return err
	}
	if !o.follow {
		for _, c := range members {
			if err := read(c); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, c := range members {
		wg.Go(func() { errs[i] = read(c) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// prefixWriter writes whole lines, each after prefix; lines of writers
// sharing mu do not interleave.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix []byte
	suffix []byte // before the newline
	buf    []byte
}

// logColors are the colors --color gives the containers in turn (ANSI
// foreground colors), colorReset ends one.
var logColors = []string{"\033[32m", "\033[33m", "\033[34m", "\033[35m", "\033[36m", "\033[31m"}

const colorReset = "\033[0m"

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if err := p.emit(p.buf[:i+1]); err != nil {
			return 0, err
		}
		p.buf = p.buf[i+1:]
	}
}

func (p *prefixWriter) emit(line []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := append([]byte(nil), p.prefix...)
	if len(p.suffix) > 0 {
		out = append(append(append(out, bytes.TrimSuffix(line, []byte("\n"))...), p.suffix...), '\n')
	} else {
		out = append(out, line...)
	}
	_, err := p.w.Write(out)
	return err
}

// flush writes a last line without a newline.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		p.emit(append(p.buf, '\n'))
		p.buf = nil
	}
}
