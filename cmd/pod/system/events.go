package system

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/filters"
)

func newEventsCommand(g *cli.Globals) *cobra.Command {
	var (
		opts         engine.EventsOptions
		since, until string
		format       string
		noTrunc      bool
	)
	cmd := &cobra.Command{
		Use:   "events [options]",
		Short: "Show the events of containers, images, volumes and networks",
		Long: "Prints what pod did to containers, images, volumes and networks, as recorded in the state DB " +
			"by whichever pod process did it. With --stream (the default unless --until is given) it then " +
			"waits for new events until interrupted.",
		Args:    cobra.NoArgs,
		Example: "pod events --stream=false --since 1h\n  pod events --filter container=web --filter event=died\n  pod events --format json --stream --until 30s",
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			var err error
			if since != "" {
				if opts.Since, err = filters.ParseTime(since, now); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
			}
			if until != "" {
				if opts.Until, err = parseUntil(until, now); err != nil {
					return fmt.Errorf("--until: %w", err)
				}
			}
			if !cmd.Flags().Changed("stream") {
				opts.Stream = until == ""
			}
			write, err := eventWriter(g.Stdout, format)
			if err == nil && !noTrunc {
				full := write
				write = func(e *engine.Event) error {
					short := *e
					if len(short.ID) == 64 {
						short.ID = short.ID[:12]
					}
					return full(&short)
				}
			}
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			err = r.Events(ctx, opts, write)
			if errors.Is(err, context.Canceled) {
				return nil // interrupted while following: the user is done
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "show events since TIME (RFC 3339, Unix time, or a duration: 10m ago)")
	f.StringVar(&until, "until", "", "show events until TIME (RFC 3339, Unix time, or a duration: that long from now)")
	f.StringArrayVarP(&opts.Filters, "filter", "f", nil, "show only events matching KEY=VALUE: container, event (status), image, label, network, type, volume (repeatable)")
	f.StringVar(&format, "format", "", "format each event with a Go template or 'json'")
	f.BoolVar(&noTrunc, "no-trunc", true, "print full IDs (--no-trunc=false: 12 characters), as podman's default")
	// The default depends on --until, so it is set in RunE, not here.
	f.BoolVar(&opts.Stream, "stream", false, "follow new events until interrupted (default: true unless --until is given)")
	return cmd
}

// parseUntil reads --until as podman does: a duration counts forward from
// now (follow for that long), anything else as --since reads it.
func parseUntil(value string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(value); err == nil && value != "0" {
		return now.Add(d), nil
	}
	return filters.ParseTime(value, now)
}

// eventWriter returns the function that prints one event in format: ""
// for podman's line, "json" for one JSON object a line, else a template.
func eventWriter(w io.Writer, format string) (func(*engine.Event) error, error) {
	switch format {
	case "":
		return func(e *engine.Event) error {
			_, err := fmt.Fprintln(w, humanEvent(e))
			return err
		}, nil
	case "json", "{{json .}}":
		return func(e *engine.Event) error {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(w, "%s\n", b)
			return err
		}, nil
	}
	tmpl, _, err := cli.ParseTemplate(format)
	if err != nil {
		return nil, err
	}
	return func(e *engine.Event) error {
		if err := tmpl.Execute(w, e); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
		return nil
	}, nil
}

// humanEvent is podman's line for an event: time, type, action, actor,
// then what identifies it.
func humanEvent(e *engine.Event) string {
	head := fmt.Sprintf("%s %s %s", e.Time, e.Type, e.Status)
	switch e.Type {
	case engine.EventTypeContainer:
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s (image=%s, name=%s", head, e.ID, e.Image, e.Name)
		if e.ContainerExitCode != nil {
			fmt.Fprintf(&b, ", containerExitCode=%d", *e.ContainerExitCode)
		}
		keys := make([]string, 0, len(e.Attributes))
		for k := range e.Attributes {
			switch k {
			case "image", "name", "containerExitCode":
				continue
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, ", %s=%s", k, e.Attributes[k])
		}
		b.WriteString(")")
		return b.String()
	case engine.EventTypeImage:
		return fmt.Sprintf("%s %s %s", head, e.ID, e.Name)
	case engine.EventTypeVolume:
		return fmt.Sprintf("%s %s", head, e.Name)
	case engine.EventTypeNetwork:
		if c := e.Attributes["container"]; c != "" {
			return fmt.Sprintf("%s %s (container=%s, name=%s)", head, e.ID, c, e.Network)
		}
		return fmt.Sprintf("%s %s (name=%s)", head, e.ID, e.Network)
	}
	return fmt.Sprintf("%s %s %s", head, e.ID, e.Name)
}
