package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/image/v5/docker/reference"

	"github.com/pod-engine/pod/pkg/images"
)

// kubeBuild builds the images of the workloads' containers that kube play
// --build asks for (see KubePlayOptions.Build), before anything is made:
// an image from the directory named like its last path element, without
// tag or digest (localhost/app:1 → DIR/app), that holds a Containerfile or
// a Dockerfile.
func (r *Runtime) kubeBuild(ctx context.Context, work []kubeWorkload, o KubePlayOptions) error {
	if o.Build != nil && !*o.Build {
		return nil
	}
	dir := o.ContextDir
	if dir == "" {
		dir = "."
	}
	out := o.BuildOut
	if out == nil {
		out = io.Discard
	}
	done := map[string]bool{}
	for _, w := range work {
		for _, image := range kubeImages(w) {
			if done[image] {
				continue
			}
			done[image] = true
			ctxDir, ok := kubeBuildDir(dir, image)
			if !ok {
				continue
			}
			if o.Build == nil {
				if _, err := r.storage(); err != nil {
					return err
				}
				if ok, err := r.Images().ImageExists(ctx, image); err != nil {
					return err
				} else if ok {
					continue
				}
			}
			if _, err := r.Build(ctx, images.BuildOptions{ContextDir: ctxDir, Tags: []string{image}, Layers: true, Format: "oci", Out: out, Err: out}); err != nil {
				return fmt.Errorf("%s: build image %s from %s: %w", w.name, image, ctxDir, err)
			}
		}
	}
	return nil
}

// kubeImages are the images of a workload's init and app containers.
func kubeImages(w kubeWorkload) []string {
	var out []string
	for _, c := range w.spec.InitContainers {
		out = append(out, c.Image)
	}
	for _, c := range w.spec.Containers {
		out = append(out, c.Image)
	}
	return out
}

// kubeBuildDir is the build context of image under dir, if there is one.
func kubeBuildDir(dir, image string) (string, bool) {
	name := image
	if ref, err := reference.ParseNormalizedNamed(image); err == nil {
		name = reference.Path(ref)
	} else if i := strings.IndexAny(name, ":@"); i >= 0 {
		name = name[:i]
	}
	name = filepath.Base(name)
	if name == "." || name == "/" || name == "" {
		return "", false
	}
	ctxDir := filepath.Join(dir, name)
	for _, f := range []string{"Containerfile", "Dockerfile"} {
		if st, err := os.Stat(filepath.Join(ctxDir, f)); err == nil && st.Mode().IsRegular() {
			return ctxDir, true
		}
	}
	return "", false
}
