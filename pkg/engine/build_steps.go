package engine

import (
	"context"
	"errors"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
)

// Build builds an image from a Dockerfile (images.Service.Build) and
// returns its ID; its RUN steps run as pod containers, removed whatever
// happens.
func (r *Runtime) Build(ctx context.Context, o images.BuildOptions) (string, error) {
	if _, err := r.storage(); err != nil {
		return "", err
	}
	return r.images.Build(ctx, o, &buildSteps{r: r})
}

// buildSteps runs a build's RUN steps as pod containers.
type buildSteps struct{ r *Runtime }

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
	if s.Network != "" {
		opts.Networks = []string{s.Network}
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
