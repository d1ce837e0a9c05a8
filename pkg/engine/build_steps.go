package engine

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/spec"
)

// Build builds an image from a Dockerfile (images.Service.Build) and
// returns its ID; its RUN steps run as pod containers, removed whatever
// happens.
func (r *Runtime) Build(ctx context.Context, o images.BuildOptions) (string, error) {
	if _, err := r.storage(); err != nil {
		return "", err
	}
	if err := validateBuildRun(o.Run); err != nil {
		return "", err
	}
	id, err := r.images.Build(ctx, o, &buildSteps{r: r, run: o.Run})
	if err != nil || o.Output == nil {
		return id, err
	}
	return id, r.writeBuildOutput(ctx, id, o.Output)
}

// validateBuildRun refuses bad RUN-step options before the build starts.
func validateBuildRun(o images.BuildRunOptions) error {
	for _, u := range o.Ulimits {
		if _, err := spec.ParseUlimit(u); err != nil {
			return invalidf("invalid --ulimit %q: %v", u, err)
		}
	}
	for _, v := range o.Volumes {
		if _, err := parseVolume(v); err != nil {
			return err
		}
	}
	for _, h := range o.AddHosts {
		name, ip, ok := strings.Cut(h, ":")
		if _, err := netip.ParseAddr(strings.Trim(ip, "[]")); !ok || name == "" || err != nil {
			return invalidf("invalid --add-host %q: use NAME:IP", h)
		}
	}
	return nil
}

// buildSteps runs a build's RUN steps as pod containers, each with the
// build's RUN options.
type buildSteps struct {
	r   *Runtime
	run images.BuildRunOptions
}

func (b *buildSteps) RunContainer(ctx context.Context, s build.RunSpec) (string, int, error) {
	empty := ""
	opts := CreateOptions{
		Image: s.Image, Pull: "never", Command: s.Args, Entrypoint: &empty,
		Env: s.Env, WorkingDir: s.WorkingDir, User: s.User, Mounts: s.Mounts,
		Labels: []string{"io.pod.build=true"},
		// A build step is not a service: the image's HEALTHCHECK is for
		// the containers run from the result.
		Health: HealthOptions{None: true},
	}
	opts.AddHosts, opts.Ulimits, opts.Volumes = b.run.AddHosts, b.run.Ulimits, b.run.Volumes
	switch {
	case s.Network != "":
		opts.Networks = []string{s.Network}
	case b.run.Network != "":
		opts.Networks = []string{b.run.Network}
	}
	c, err := b.r.Create(ctx, opts)
	if err != nil {
		return "", 0, err
	}
	code, err := b.r.StartAndWait(ctx, c.ID, StartOptions{Attach: true, Stdout: s.Stdout, Stderr: s.Stdout})
	return c.ID, code, err
}

func (b *buildSteps) RemoveContainer(ctx context.Context, id string) error {
	// A step still running was interrupted: no grace period.
	zero := 0
	err := b.r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: &zero, Volumes: true})
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	return err
}
