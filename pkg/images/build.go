package images

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/image/v5/types"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// BuildOptions are what `pod build` was asked for.
type BuildOptions struct {
	// ContextDir is a directory, a tar archive or "-" (Stdin).
	ContextDir string
	// Dockerfile is a path ("" for Containerfile or Dockerfile in the
	// context) or "-" (Stdin).
	Dockerfile string
	Stdin      io.Reader

	Tags      []string
	Target    string
	BuildArgs map[string]string
	Pull      string // always, missing (default), never
	NoCache   bool
	Layers    bool
	Squash    bool
	Format    string
	Labels    map[string]string
	Secrets   map[string]string // id → file
	// Env are KEY=VALUE settings added to the final image (--env).
	Env []string
	// IgnoreFile replaces the context's .containerignore/.dockerignore.
	IgnoreFile string
	// Run are the container options of every RUN step.
	Run BuildRunOptions
	// TLSVerify and AuthFile are for pulling base images, as pull's.
	TLSVerify types.OptionalBool
	AuthFile  string
	CertDir   string
	// Output also writes the final image's filesystem somewhere (-o).
	Output *BuildOutput
	Quiet  bool
	Out    io.Writer
	Err    io.Writer
}

// BuildRunOptions are what every RUN step's container gets (build
// --network, --add-host, --ulimit, --volume); RUN --network= wins over
// Network for its step.
type BuildRunOptions struct {
	Network  string
	AddHosts []string
	Ulimits  []string
	Volumes  []string
}

// StepRunner runs a build's RUN steps as containers: the part of
// build.Backend that belongs to the container engine.
type StepRunner interface {
	RunContainer(ctx context.Context, s build.RunSpec) (string, int, error)
	RemoveContainer(ctx context.Context, id string) error
}

// Build builds an image from a Dockerfile and returns its ID. RUN steps
// run as containers of steps, removed whatever happens.
func (r *Service) Build(ctx context.Context, o BuildOptions, steps StepRunner) (string, error) {
	st := r.store
	for _, kv := range o.Env {
		if k, _, ok := strings.Cut(kv, "="); k == "" || !ok {
			return "", errdefs.InvalidArgumentf("invalid --env %q: use KEY=VALUE", kv)
		}
	}
	if o.ContextDir == "-" && o.Dockerfile == "-" {
		return "", errdefs.InvalidArgumentf("the context and the Dockerfile cannot both be standard input")
	}
	bctx, err := build.OpenContext(o.ContextDir, o.Stdin, st.SystemContext().BigFilesTemporaryDir)
	if err != nil {
		return "", err
	}
	defer bctx.Close()
	df, err := openDockerfile(bctx, o.Dockerfile, o.Stdin)
	if err != nil {
		return "", err
	}
	b, err := build.New(st, &buildBackend{r: r, StepRunner: steps, o: o}, build.Options{
		Context: bctx, Dockerfile: df, Tags: o.Tags, Target: o.Target, BuildArgs: o.BuildArgs,
		Pull: o.Pull, NoCache: o.NoCache, Layers: o.Layers, Squash: o.Squash, Format: o.Format,
		Labels: o.Labels, Env: o.Env, IgnoreFile: o.IgnoreFile, Secrets: o.Secrets, Quiet: o.Quiet, Out: o.Out, Err: o.Err,
		CacheDir: filepath.Join(st.GraphRoot(), "pod", "build-cache"),
	})
	if err != nil {
		return "", err
	}
	return b.Build(ctx)
}

// openDockerfile reads the Dockerfile: from stdin, a path, the context's
// own (stdin without a tar), or Containerfile/Dockerfile in the context.
func openDockerfile(bctx *build.Context, name string, stdin io.Reader) (*build.Dockerfile, error) {
	switch {
	case name == "-":
		if stdin == nil {
			return nil, errdefs.InvalidArgumentf("no standard input")
		}
		return build.ParseDockerfile("Dockerfile", stdin)
	case name != "":
		p := name
		if !filepath.IsAbs(p) {
			if _, err := os.Stat(p); err != nil {
				p = filepath.Join(bctx.Dir, name)
			}
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, errdefs.NotFoundf("Dockerfile %s: %w", name, err)
		}
		defer f.Close()
		return build.ParseDockerfile(name, f)
	case bctx.Dockerfile != nil:
		return build.ParseDockerfile("Dockerfile", bytesReader(bctx.Dockerfile))
	}
	for _, n := range []string{"Containerfile", "Dockerfile"} {
		f, err := build.OpenInContext(bctx.Dir, n)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return build.ParseDockerfile(n, f)
	}
	return nil, errdefs.NotFoundf("no Containerfile or Dockerfile in %s", bctx.Dir)
}

// buildBackend pulls a build's base images and runs its RUN steps
// through the StepRunner.
type buildBackend struct {
	r *Service
	StepRunner
	o BuildOptions
}

func (b *buildBackend) PullImage(ctx context.Context, name, policy string, progress io.Writer) (string, error) {
	return b.r.Resolve(ctx, name, policy, PullOptions{Progress: progress, TLSVerify: b.o.TLSVerify, AuthFile: b.o.AuthFile, CertDir: b.o.CertDir})
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
