package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/image/v5/types"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/spec"
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

// validate refuses bad values before the build starts.
func (o BuildRunOptions) validate() error {
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

// Build builds an image from a Dockerfile and returns its ID. RUN steps
// run as containers that are removed whatever happens.
func (r *Runtime) Build(ctx context.Context, o BuildOptions) (string, error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	if err := o.Run.validate(); err != nil {
		return "", err
	}
	for _, kv := range o.Env {
		if k, _, ok := strings.Cut(kv, "="); k == "" || !ok {
			return "", invalidf("invalid --env %q: use KEY=VALUE", kv)
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
	b, err := build.New(st, &buildBackend{r: r, o: o}, build.Options{
		Context: bctx, Dockerfile: df, Tags: o.Tags, Target: o.Target, BuildArgs: o.BuildArgs,
		Pull: o.Pull, NoCache: o.NoCache, Layers: o.Layers, Squash: o.Squash, Format: o.Format,
		Labels: o.Labels, Env: o.Env, IgnoreFile: o.IgnoreFile, Secrets: o.Secrets, Quiet: o.Quiet, Out: o.Out, Err: o.Err,
		CacheDir: filepath.Join(r.storeOpts.GraphRoot, "pod", "build-cache"),
	})
	if err != nil {
		return "", err
	}
	id, err := b.Build(ctx)
	if err != nil || o.Output == nil {
		return id, err
	}
	return id, r.writeBuildOutput(ctx, id, o.Output)
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

// buildBackend runs a build's RUN steps as pod containers.
type buildBackend struct {
	r *Runtime
	o BuildOptions
}

func (b *buildBackend) PullImage(ctx context.Context, name, policy string, progress io.Writer) (string, error) {
	if policy != "always" {
		img, err := b.r.store.LookupImage(name)
		if err == nil {
			return img.ID, nil
		}
		if !errors.Is(err, errdefs.ErrNotFound) {
			return "", err
		}
		if policy == "never" {
			return "", errdefs.NotFoundf("%s: image not known and --pull=never", name)
		}
	}
	ids, err := b.r.Pull(ctx, name, PullOptions{Progress: progress, TLSVerify: b.o.TLSVerify, AuthFile: b.o.AuthFile, CertDir: b.o.CertDir})
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("pull %s: no image pulled", name)
	}
	return ids[0], nil
}

func (b *buildBackend) RunContainer(ctx context.Context, s build.RunSpec) (string, int, error) {
	empty := ""
	opts := CreateOptions{
		Image: s.Image, Pull: "never", Command: s.Args, Entrypoint: &empty,
		Env: s.Env, WorkingDir: s.WorkingDir, User: s.User, Mounts: s.Mounts,
		Labels: []string{"io.pod.build=true"},
		// A build step is not a service: the image's HEALTHCHECK is for
		// the containers run from the result.
		Health: HealthOptions{None: true},
	}
	opts.AddHosts, opts.Ulimits, opts.Volumes = b.o.Run.AddHosts, b.o.Run.Ulimits, b.o.Run.Volumes
	switch {
	case s.Network != "":
		opts.Networks = []string{s.Network}
	case b.o.Run.Network != "":
		opts.Networks = []string{b.o.Run.Network}
	}
	c, err := b.r.Create(ctx, opts)
	if err != nil {
		return "", 0, err
	}
	code, err := b.r.StartAndWait(ctx, c.ID, StartOptions{Attach: true, Stdout: s.Stdout, Stderr: s.Stdout})
	return c.ID, code, err
}

func (b *buildBackend) RemoveContainer(ctx context.Context, id string) error {
	// A step still running was interrupted: no grace period.
	zero := 0
	err := b.r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: &zero, Volumes: true})
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	return err
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
