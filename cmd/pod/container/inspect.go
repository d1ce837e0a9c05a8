package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/views"
)

type inspectOptions struct {
	format string
	size   bool
	typ    string
}

// newInspectCommand is `pod container inspect` (containers only) or, with
// any, the top-level `pod inspect` that looks through every kind of object
// (engine.Runtime.InspectAny).
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
		cmd.Short = "Display the configuration of containers, images, volumes or networks"
		cmd.Long = "Display the configuration and state of containers, images, volumes or networks as JSON, or through a Go template. A name is looked up among containers, then images, then volumes, then networks."
		cmd.Flags().StringVarP(&o.typ, "type", "t", "all", "the kind of object to inspect: container, image, volume, network or all")
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "json", "format the output with a Go template, or 'json'")
	f.BoolVarP(&o.size, "size", "s", false, "show the container's disk usage (SizeRw, SizeRootFs)")
	return cmd
}

func runInspect(cmd *cobra.Command, g *cli.Globals, o *inspectOptions, names []string) error {
	opts := engine.InspectAnyOptions{Kind: engine.InspectKind(o.typ), Size: o.size}
	if err := opts.Validate(); err != nil {
		return err
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
		found, err := r.InspectAny(ctx, name, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, inspectDoc(found))
	}
	if err := cli.Render(g.Stdout, o.format, docs, cli.View{Default: "json"}); err != nil {
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

// inspectDoc is the document printed for what InspectAny found: the one
// the kind's own inspect command prints.
func inspectDoc(found *engine.Inspected) any {
	switch found.Kind {
	case engine.InspectContainer:
		return found.Container
	case engine.InspectImage:
		return found.Image
	case engine.InspectVolume:
		return views.VolumeOf(found.Volume)
	}
	return found.Network
}
