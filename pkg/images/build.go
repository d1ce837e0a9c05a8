package images

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/containers/image/v5/types"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/sshagent"
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
	// CPPFlags are given to cpp(1), which preprocesses a Dockerfile whose
	// name ends in ".in" (--cpp-flag).
	CPPFlags []string
	// Run are the container options of every RUN step.
	Run BuildRunOptions
	// TLSVerify and AuthFile are for pulling base images, as pull's.
	TLSVerify   types.OptionalBool
	AuthFile    string
	CertDir     string
	Credentials string // --creds USER[:PASS]
	// DecryptionKeys decrypt encrypted base images (--decryption-key).
	DecryptionKeys []string
	// Retry and RetryDelay retry a failed pull or push of base and cache
	// images (--retry, --retry-delay).
	Retry      int
	RetryDelay time.Duration
	// Output also writes the final image's filesystem somewhere (-o).
	Output *BuildOutput
	Quiet  bool
	Out    io.Writer
	Err    io.Writer

	// Image is what the build puts in its images and how: --from,
	// --build-context, --timestamp, --annotation, --platform, the caches
	// (see build.Options).
	Image BuildImageOptions

	// Platforms, when it holds more than one, builds the image once per
	// platform (--platform a,b); Image.Platform is then ignored.
	// AllPlatforms builds for every platform all the base images offer.
	Platforms    []build.Platform
	AllPlatforms bool
	// Manifest names a manifest list (created if absent) that the built
	// images are added to (--manifest).
	Manifest string
	// LogSplit, with several platforms, is --logfile with --logsplit:
	// each platform's output goes to LogSplit_OS_ARCH (SplitLogfile).
	LogSplit string
	// SSH are the --ssh sources for RUN --mount=type=ssh: ID → agent
	// sockets and private key files.
	SSH map[string][]string
}

// BuildImageOptions are build.Options' fields that pass through as they
// are.
type BuildImageOptions struct {
	From          string
	Contexts      map[string]build.NamedContext
	Timestamp     *time.Time
	OmitHistory   bool
	SquashAll     bool
	AllStages     bool
	Annotations   map[string]string
	UnsetEnv      []string
	Platform      build.Platform
	IdentityLabel bool
	CacheFrom     []string
	CacheTo       []string
	CacheTTL      time.Duration
	RunEnv        []string
	// RunStdin, when set, is the standard input of RUN steps (--stdin).
	RunStdin io.Reader
}

// BuildRunOptions are what every RUN step's container gets (build
// --network, --add-host, --ulimit, --volume); RUN --network= wins over
// Network for its step.
type BuildRunOptions struct {
	Network  string
	AddHosts []string
	Ulimits  []string
	Volumes  []string

	// As run's flags of the same names.
	CapAdd, CapDrop []string
	SecurityOpt     []string
	Devices         []string
	DNS             []string
	DNSSearch       []string
	DNSOptions      []string
	NoHosts         bool
	IPC, PID, UTS   string
	ShmSize         string
	UserNS          string
	UIDMap, GIDMap  []string
	// UIDMapUser and GIDMapGroup map the IDs to a user's /etc/subuid and
	// a group's /etc/subgid ranges (root only).
	UIDMapUser, GIDMapGroup string
	Memory, MemorySwap      string
	CPUPeriod, CPUShares    uint64
	CPUQuota                int64
	CpusetCpus, CpusetMems  string
	CgroupParent, CgroupNS  string
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
	df, err := openDockerfile(ctx, bctx, o.Dockerfile, o.Stdin, o.CPPFlags)
	if err != nil {
		return "", err
	}
	agents, err := sshagent.Serve(st.TempDir(), o.SSH)
	if err != nil {
		return "", err
	}
	defer agents.Close()
	if o.Manifest == "" && !o.AllPlatforms && len(o.Platforms) <= 1 {
		return r.buildOne(ctx, o, bctx, df, agents.Sockets, steps, o.Tags)
	}
	return r.buildPlatforms(ctx, o, bctx, df, agents.Sockets, steps)
}

// buildOne builds the image for o.Image.Platform, named tags.
func (r *Service) buildOne(ctx context.Context, o BuildOptions, bctx *build.Context, df *build.Dockerfile, ssh map[string]string, steps StepRunner, tags []string) (string, error) {
	st := r.store
	b, err := build.New(st, &buildBackend{r: r, StepRunner: steps, o: o}, build.Options{
		Context: bctx, Dockerfile: df, Tags: tags, SSH: ssh, Target: o.Target, BuildArgs: o.BuildArgs,
		Pull: o.Pull, NoCache: o.NoCache, Layers: o.Layers, Squash: o.Squash, Format: o.Format,
		Labels: o.Labels, Env: o.Env, IgnoreFile: o.IgnoreFile, Secrets: o.Secrets, Quiet: o.Quiet, Out: o.Out, Err: o.Err,
		CacheDir: filepath.Join(st.GraphRoot(), "pod", "build-cache"),
		From:     o.Image.From, Contexts: o.Image.Contexts, Timestamp: o.Image.Timestamp, OmitHistory: o.Image.OmitHistory,
		SquashAll: o.Image.SquashAll, AllStages: o.Image.AllStages, Annotations: o.Image.Annotations,
		UnsetEnv: o.Image.UnsetEnv, Platform: o.Image.Platform, IdentityLabel: o.Image.IdentityLabel,
		CacheFrom: o.Image.CacheFrom, CacheTo: o.Image.CacheTo, CacheTTL: o.Image.CacheTTL,
		RunEnv: o.Image.RunEnv, Stdin: o.Image.RunStdin,
	})
	if err != nil {
		return "", err
	}
	return b.Build(ctx)
}

// openDockerfile reads the Dockerfile: from stdin, a path, the context's
// own (stdin without a tar), or Containerfile/Dockerfile in the context.
func openDockerfile(ctx context.Context, bctx *build.Context, name string, stdin io.Reader, cppFlags []string) (*build.Dockerfile, error) {
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
		if strings.HasSuffix(name, ".in") {
			out, err := preprocess(ctx, f, filepath.Dir(p), cppFlags)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return build.ParseDockerfile(name, bytes.NewReader(out))
		}
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
	var id string
	err := b.retry(ctx, func() error {
		var err error
		id, err = b.r.Resolve(ctx, name, policy, b.pullOptions(progress))
		return err
	})
	return id, err
}

func (b *buildBackend) pullOptions(progress io.Writer) PullOptions {
	o := PullOptions{Progress: progress, TLSVerify: b.o.TLSVerify, AuthFile: b.o.AuthFile, CertDir: b.o.CertDir, Credentials: b.o.Credentials,
		DecryptionKeys: b.o.DecryptionKeys}
	if p := b.o.Image.Platform; p.OS != "" || p.Arch != "" || p.Variant != "" {
		o.Platform = p.String()
	}
	return o
}

// PullCache fetches a step's image from a --cache-from repository. The
// image keeps no name: it is found again by its cache key's metadata.
func (b *buildBackend) PullCache(ctx context.Context, ref string) (string, bool) {
	ids, err := b.r.Pull(ctx, ref, b.pullOptions(nil))
	if err != nil || len(ids) == 0 {
		logrus.Debugf("--cache-from %s: %v", ref, err)
		return "", false
	}
	if _, err := b.r.UntagImage(ctx, ids[0], ref); err != nil {
		logrus.Debugf("untag %s: %v", ref, err)
	}
	return ids[0], true
}

// PushCache sends a step's image to a --cache-to repository.
func (b *buildBackend) PushCache(ctx context.Context, id, ref string) error {
	return b.retry(ctx, func() error {
		_, err := b.r.Push(ctx, id, ref, PushOptions{
			TLSVerify: b.o.TLSVerify, AuthFile: b.o.AuthFile, CertDir: b.o.CertDir, Credentials: b.o.Credentials,
			Format: map[string]string{"docker": "v2s2"}[b.o.Format],
		})
		return err
	})
}

// retry runs f up to --retry more times after a failure that another try
// may cure (not a missing image, a bad name or a refused login), waiting
// --retry-delay between tries.
func (b *buildBackend) retry(ctx context.Context, f func() error) error {
	err := f()
	for n := 0; err != nil && n < b.o.Retry; n++ {
		if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrInvalidArg) || ctx.Err() != nil {
			return err
		}
		logrus.Warnf("%v; retrying in %s (%d of %d)", err, b.o.RetryDelay, n+1, b.o.Retry)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(b.o.RetryDelay):
		}
		err = f()
	}
	return err
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// preprocess runs a Containerfile.in through cpp(1), as podman does:
// #include names files beside it, and --cpp-flag (after
// BUILDAH_CPPFLAGS) adds definitions. cpp's markers come out as
// Dockerfile comments.
func preprocess(ctx context.Context, r io.Reader, dir string, flags []string) ([]byte, error) {
	args := []string{"-E", "-iquote", dir, "-traditional", "-undef", "-"}
	args = append(args, strings.Fields(os.Getenv("BUILDAH_CPPFLAGS"))...)
	args = append(args, flags...)
	cmd := exec.CommandContext(ctx, "cpp", args...)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stderr = r, &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return nil, errdefs.NotFoundf("preprocess with cpp: %w (install cpp, or name the file without .in)", err)
	}
	if err != nil {
		return nil, errdefs.InvalidArgumentf("preprocess with cpp: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
