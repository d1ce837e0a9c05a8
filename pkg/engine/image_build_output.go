package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/containers/storage/pkg/archive"

	"github.com/pod-engine/pod/pkg/images"
)

// writeBuildOutput writes image id's filesystem where o says, through a
// container made for the copy and removed after it.
func (r *Runtime) writeBuildOutput(ctx context.Context, id string, o *images.BuildOutput) (err error) {
	c, err := r.Create(ctx, CreateOptions{Image: id, Pull: "never", Command: []string{"/"}, Labels: []string{"io.pod.build=true"},
		Health: HealthOptions{None: true}})
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	defer func() {
		zero := 0
		if rerr := r.Remove(context.WithoutCancel(ctx), c.ID, RemoveOptions{Force: true, Timeout: &zero, Volumes: true}); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if o.Type == "tar" {
		w := o.Writer
		if o.Dest != "-" {
			f, err := os.Create(o.Dest)
			if err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			defer f.Close()
			w = f
		}
		return r.Export(ctx, c.ID, w)
	}
	if err := os.MkdirAll(o.Dest, 0o755); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	dest, err := filepath.Abs(o.Dest)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(r.Export(ctx, c.ID, pw)) }()
	// Rootless, the files belong to the user: ownership inside the
	// user namespace cannot all be given on the host.
	if err := archive.Untar(pr, dest, &archive.TarOptions{NoLchown: r.Rootless()}); err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("--output %s: %w", o.Dest, err)
	}
	return nil
}
