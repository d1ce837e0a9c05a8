package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/storage/pkg/archive"
)

// BuildOutput is build -o/--output: where the final image's filesystem is
// also written. Type is "local" (a directory) or "tar" (an archive; Dest
// "-" is Writer).
type BuildOutput struct {
	Type   string
	Dest   string
	Writer io.Writer // for Dest "-"
}

// ParseBuildOutput reads podman's and docker's --output forms:
// "type=local,dest=DIR", "type=tar,dest=FILE", a bare DIR (local) and "-"
// (a tar on standard output).
func ParseBuildOutput(s string) (*BuildOutput, error) {
	if s == "" {
		return nil, nil
	}
	if s == "-" {
		return &BuildOutput{Type: "tar", Dest: "-"}, nil
	}
	if !strings.Contains(s, "=") {
		return &BuildOutput{Type: "local", Dest: s}, nil
	}
	o := &BuildOutput{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "type":
			o.Type = v
		case "dest":
			o.Dest = v
		default:
			return nil, invalidf("invalid --output %q: unknown key %q (use type=local|tar,dest=PATH)", s, k)
		}
	}
	if o.Type != "local" && o.Type != "tar" {
		return nil, invalidf("invalid --output %q: type must be local or tar", s)
	}
	if o.Dest == "" || (o.Type == "local" && o.Dest == "-") {
		return nil, invalidf("invalid --output %q: no dest", s)
	}
	return o, nil
}

// writeBuildOutput writes image id's filesystem where o says, through a
// container made for the copy and removed after it.
func (r *Runtime) writeBuildOutput(ctx context.Context, id string, o *BuildOutput) (err error) {
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
