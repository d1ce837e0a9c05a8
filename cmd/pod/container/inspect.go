package container

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

type inspectOptions struct {
	format string
	size   bool
	typ    string
}

// newInspectCommand is `pod container inspect` (containers only) or, with
// any, the top-level `pod inspect` that falls back to images.
func newInspectCommand(g *cli.Globals, any bool) *cobra.Command {
	o := inspectOptions{typ: "container"}
	cmd := &cobra.Command{
		Use:   "inspect [options] CONTAINER [CONTAINER...]",
		Short: "Display the configuration and state of containers",
		Long:  "Display a container's configuration and state as JSON, or through a Go template.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInspect(cmd, g, &o, args)
		},
	}
	if any {
		o.typ = "all"
		cmd.Use = "inspect [options] NAME [NAME...]"
		cmd.Short = "Display the configuration of containers, images or networks"
		cmd.Long = "Display the configuration and state of containers, images or networks as JSON, or through a Go template. A name is looked up among containers, then images, then networks."
		cmd.Flags().StringVarP(&o.typ, "type", "t", "all", "the kind of object to inspect: container, image, network or all")
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "json", "format the output with a Go template, or 'json'")
	f.BoolVarP(&o.size, "size", "s", false, "show the container's disk usage (SizeRw, SizeRootFs)")
	return cmd
}

func runInspect(cmd *cobra.Command, g *cli.Globals, o *inspectOptions, names []string) error {
	switch o.typ {
	case "container", "image", "network", "all":
	default:
		return fmt.Errorf("invalid type %q: must be container, image, network or all", o.typ)
	}
	if (o.typ == "image" || o.typ == "network") && o.size {
		return fmt.Errorf("size is not supported for type %q", o.typ)
	}
	ctx := cmd.Context()
	r, err := g.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()

	var docs []any
	var errs []error
	for _, name := range names {
		doc, err := inspectOne(cmd, r, o, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, doc)
	}
	if docs == nil {
		docs = []any{}
	}
	if err := printInspect(g, o.format, docs); err != nil {
		return err
	}
	if len(errs) == 0 {
		return nil
	}
	// Like podman: every lookup error but the first on its own line, the
	// first as the command's error.
	for _, err := range errs[1:] {
		fmt.Fprintf(g.Stderr, "error inspecting object: %v\n", err)
	}
	return fmt.Errorf("inspecting object: %w", errs[0])
}

func inspectOne(cmd *cobra.Command, r *engine.Runtime, o *inspectOptions, name string) (any, error) {
	ctx := cmd.Context()
	if o.typ == "container" || o.typ == "all" {
		doc, err := r.InspectContainer(ctx, name, o.size)
		if err == nil {
			return doc, nil
		}
		if !errors.Is(err, errdefs.ErrNotFound) {
			return nil, err
		}
		if o.typ == "container" {
			return nil, fmt.Errorf("no such container %s", name)
		}
	}
	if o.typ == "image" || o.typ == "all" {
		doc, err := r.InspectImage(ctx, name)
		if err == nil {
			return doc, nil
		}
		if !errors.Is(err, errdefs.ErrNotFound) {
			return nil, err
		}
		if o.typ == "image" {
			return nil, fmt.Errorf("no such image %s", name)
		}
	}
	nets, err := r.NetworkInspect(ctx, name)
	if err == nil && len(nets) == 1 {
		return nets[0], nil
	}
	if o.typ == "network" {
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("no such network %s", name)
	}
	// Looking through every kind, a name that is no network's (an
	// ambiguous ID prefix among networks included) is simply not found.
	return nil, fmt.Errorf("no such object: %q", name)
}

// idField matches .Id in a template: Docker's JSON name of the ID field.
var idField = regexp.MustCompile(`\.Id\b`)

func printInspect(g *cli.Globals, format string, docs []any) error {
	if format == "" || format == "json" {
		return cli.WriteJSON(g.Stdout, docs)
	}
	tmpl, _, err := cli.ParseTemplate(idField.ReplaceAllString(format, ".ID"))
	if err != nil {
		return err
	}
	for _, d := range docs {
		var b strings.Builder
		if err := tmpl.Execute(&b, d); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
		fmt.Fprint(g.Stdout, b.String())
	}
	return nil
}
