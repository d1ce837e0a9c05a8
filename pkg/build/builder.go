package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/storage"
)

// Backend is what a build needs from the engine: images pulled as the
// policy says, and RUN steps run as containers.
type Backend interface {
	// PullImage finds name locally or pulls it, as policy (always,
	// missing, never) says, and returns its ID.
	PullImage(ctx context.Context, name, policy string, progress io.Writer) (string, error)
	// RunContainer creates and runs a container as spec says, waits for it
	// and returns its ID (also its storage container's) and exit code. The
	// container is kept for commit; the caller removes it.
	RunContainer(ctx context.Context, spec RunSpec) (id string, code int, err error)
	// RemoveContainer removes a container RunContainer made, running or not.
	RemoveContainer(ctx context.Context, id string) error
}

// RunSpec is one RUN step's container.
type RunSpec struct {
	Image      string
	Args       []string
	Env        []string
	WorkingDir string
	User       string
	Mounts     []string // as --mount takes them
	Network    string   // "" (the default network), "none" or "host"
	Stdout     io.Writer
	// Stdin, when set, is the step's standard input (build --stdin).
	Stdin io.Reader
}

// Options say what to build.
type Options struct {
	Context    *Context
	Dockerfile *Dockerfile
	Tags       []string // as the user gave them
	Target     string
	BuildArgs  map[string]string
	Pull       string // always, missing (default), never
	NoCache    bool
	Layers     bool // keep and reuse each step's image
	Squash     bool
	Format     string
	Labels     map[string]string
	// Env are KEY=VALUE settings of the final image's environment (build
	// --env), applied as --label is.
	Env []string
	// IgnoreFile replaces the context's .containerignore/.dockerignore.
	IgnoreFile string
	Secrets    map[string]string // id → host file, for RUN --mount=type=secret
	// SSH are agent sockets on the host by --ssh ID, for RUN
	// --mount=type=ssh.
	SSH      map[string]string
	CacheDir string // where RUN --mount=type=cache directories live
	Quiet    bool
	Out      io.Writer // step lines and RUN output
	Err      io.Writer // with Quiet, a failing RUN's output

	// From replaces the image of the first FROM (--from).
	From string
	// Contexts are the named build contexts (--build-context NAME=VALUE)
	// that FROM, COPY --from and RUN --mount from= may name.
	Contexts map[string]NamedContext
	// Timestamp, when set, is the creation time of every image the build
	// commits and the modification time of every file in their layers.
	Timestamp *time.Time
	// OmitHistory leaves the final image without history.
	OmitHistory bool
	// SquashAll makes the final image one layer holding its whole tree.
	SquashAll bool
	// AllStages builds every stage up to the target, also those it does
	// not use (--skip-unused-stages=false).
	AllStages bool
	// Annotations go into the final image's manifest (OCI format only).
	Annotations map[string]string
	// UnsetEnv are variables removed from the final image's environment.
	UnsetEnv []string
	// Platform is the platform the image is built for; zero is the host's.
	Platform Platform
	// CacheFrom and CacheTo are registry repositories where step images
	// are looked up and sent, tagged by cache key (--cache-from,
	// --cache-to); the Backend must be a CacheBackend.
	CacheFrom, CacheTo []string
	// CacheTTL, when not zero, ignores cached steps older than it.
	CacheTTL time.Duration
	// RunEnv is added to every RUN step's environment, but not to the
	// image nor to the cache key (--http-proxy's variables).
	RunEnv []string
	// IdentityLabel puts IdentityLabel in every image the build makes.
	IdentityLabel bool
	// Stdin is every RUN step's standard input (--stdin); nil for none.
	Stdin io.Reader
}

// Platform is a build's target platform: the image configuration's os,
// architecture, variant, os.version and os.features.
type Platform struct {
	OS, Arch, Variant string
	OSVersion         string
	OSFeatures        []string
}

// String is "os/arch[/variant]", with the host's for what is unset.
func (p Platform) String() string {
	s := p.os() + "/" + p.arch()
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func (p Platform) os() string {
	if p.OS == "" {
		return "linux"
	}
	return p.OS
}

func (p Platform) arch() string {
	if p.Arch == "" {
		return runtime.GOARCH
	}
	return p.Arch
}

// native reports whether RUN steps can run on this host: its OS and
// architecture are the host's (pod has no emulation).
func (p Platform) native() bool {
	return p.os() == "linux" && p.arch() == runtime.GOARCH
}

// NamedContext is one --build-context: a directory on the host, or an
// image (docker-image://, container-image://, docker://).
type NamedContext struct {
	Dir   string
	Image string
}

// RunError is a RUN step that exited non-zero.
type RunError struct {
	Step string
	Code int
}

func (e *RunError) Error() string {
	return fmt.Sprintf("building at STEP \"%s\": while running runtime: exit status %d", e.Step, e.Code)
}

// Builder runs one build.
type Builder struct {
	st      *storage.Store
	be      Backend
	o       Options
	ignore  *Ignore
	out     io.Writer
	stages  map[int]*stageState // built stages by index
	created []string            // images this build committed
	lex     *shell.Lex
	escape  rune
}

// New prepares a build.
func New(st *storage.Store, be Backend, o Options) (*Builder, error) {
	var ig *Ignore
	var err error
	if o.IgnoreFile != "" {
		ig, err = LoadIgnoreFile(o.IgnoreFile)
	} else {
		ig, err = LoadIgnore(o.Context.Dir)
	}
	if err != nil {
		return nil, err
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	if o.Pull == "" {
		o.Pull = "missing"
	}
	switch o.Pull {
	case "always", "missing", "never":
	case "true":
		o.Pull = "always"
	case "false":
		o.Pull = "missing"
	default:
		return nil, errdefs.InvalidArgumentf("invalid --pull %q: use always, missing or never", o.Pull)
	}
	for _, t := range o.Tags {
		if _, err := storage.NormalizeName(t); err != nil {
			return nil, fmt.Errorf("tag %q: %w", t, err)
		}
	}
	switch o.Format {
	case "", storage.FormatOCI, storage.FormatDocker:
	default:
		return nil, errdefs.InvalidArgumentf("unknown format %q (use oci or docker)", o.Format)
	}
	if o.From != "" && len(o.Dockerfile.Stages) > 0 {
		// Only the first FROM changes; the stages are copied so that the
		// caller's Dockerfile stays as parsed.
		df := *o.Dockerfile
		df.Stages = append(df.Stages[:0:0], df.Stages...)
		st := df.Stages[0]
		st.SourceCode = "FROM " + o.From
		if st.Name != "" {
			st.SourceCode += " AS " + st.Name
		}
		st.BaseName, st.Platform = o.From, ""
		df.Stages[0] = st
		o.Dockerfile = &df
	}
	for name, nc := range o.Contexts {
		if name == "" || (nc.Dir == "") == (nc.Image == "") {
			return nil, errdefs.InvalidArgumentf("invalid --build-context %q: want NAME=DIR or NAME=docker-image://IMAGE", name)
		}
	}
	esc := o.Dockerfile.Escape
	if esc == 0 {
		esc = '\\'
	}
	return &Builder{st: st, be: be, o: o, ignore: ig, out: out, stages: map[int]*stageState{}, lex: shell.NewLex(esc), escape: esc}, nil
}

// Build builds the target stage (the last without Options.Target), tags
// it and returns its ID. On failure no build container is left.
func (b *Builder) Build(ctx context.Context) (id string, err error) {
	df := b.o.Dockerfile
	target := len(df.Stages) - 1
	if b.o.Target != "" {
		if target = df.stageIndex(b.o.Target); target < 0 {
			return "", errdefs.NotFoundf("target stage %q not found in %s", b.o.Target, df.Name)
		}
	}
	meta, err := b.metaArgs()
	if err != nil {
		return "", err
	}
	order, err := b.needed(target, meta)
	if err != nil {
		return "", err
	}
	defer func() {
		if !b.o.Layers {
			b.removeIntermediates(id)
		}
	}()
	for n, i := range order {
		prefix := ""
		if len(order) > 1 {
			prefix = fmt.Sprintf("[%d/%d] ", n+1, len(order))
		}
		s, err := b.buildStage(ctx, i, meta, prefix, i == target)
		if err != nil {
			return "", err
		}
		b.stages[i] = s
	}
	return b.stages[target].image, nil
}

// metaArgs are the ARGs before the first FROM, with --build-arg values.
func (b *Builder) metaArgs() (map[string]string, error) {
	// The platform ARGs Docker predefines: the build's is the host's.
	arch, tp := runtime.GOARCH, b.o.Platform
	vals := map[string]string{
		"BUILDPLATFORM": "linux/" + arch, "BUILDOS": "linux", "BUILDARCH": arch,
		"TARGETPLATFORM": tp.String(), "TARGETOS": tp.os(), "TARGETARCH": tp.arch(),
		"TARGETVARIANT": tp.Variant,
	}
	for _, a := range b.o.Dockerfile.MetaArgs {
		for _, kv := range a.Args {
			v, ok := b.o.BuildArgs[kv.Key]
			if !ok {
				if kv.Value == nil {
					continue
				}
				var err error
				if v, _, err = b.lex.ProcessWord(*kv.Value, mapEnv(vals)); err != nil {
					return nil, err
				}
			}
			vals[kv.Key] = v
		}
	}
	return vals, nil
}

// needed lists the stages the target depends on (through FROM, COPY
// --from and RUN --mount from=), in Dockerfile order.
func (b *Builder) needed(target int, meta map[string]string) ([]int, error) {
	df := b.o.Dockerfile
	need := map[int]bool{}
	var visit func(i int) error
	visit = func(i int) error {
		if need[i] {
			return nil
		}
		need[i] = true
		s := df.Stages[i]
		refs := []string{}
		if base, err := b.expandMeta(s.BaseName, meta); err == nil {
			refs = append(refs, base)
		}
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.CopyCommand:
				refs = append(refs, c.From)
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					refs = append(refs, m.From)
				}
			}
		}
		for _, r := range refs {
			if r == "" {
				continue
			}
			if j := df.stageIndex(r); j >= 0 && j < i {
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := visit(target); err != nil {
		return nil, err
	}
	if b.o.AllStages {
		for i := 0; i < target; i++ {
			if err := visit(i); err != nil {
				return nil, err
			}
		}
	}
	var order []int
	for i := range df.Stages {
		if need[i] {
			order = append(order, i)
		}
	}
	return order, nil
}

func (b *Builder) expandMeta(word string, meta map[string]string) (string, error) {
	s, _, err := b.lex.ProcessWord(word, mapEnv(meta))
	return s, err
}

// removeIntermediates deletes the images this build committed on the way,
// all but keep: without --layers they are not a cache.
func (b *Builder) removeIntermediates(keep string) {
	for i := len(b.created) - 1; i >= 0; i-- {
		id := b.created[i]
		if id == keep {
			continue
		}
		if _, err := b.st.DeleteImage(id, true); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			logrus.Debugf("remove intermediate image %s: %v", id, err)
		}
	}
}

// mapEnv is an environment for the shell lexer.
type mapEnv map[string]string

func (m mapEnv) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m mapEnv) Keys() []string              { return sortedKeys(m) }

// printf writes a step line unless the build is quiet.
func (b *Builder) printf(format string, args ...any) {
	if !b.o.Quiet {
		fmt.Fprintf(b.out, format, args...)
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func emptyConfig() dockerspec.DockerOCIImage {
	var c dockerspec.DockerOCIImage
	c.OS, c.Architecture = "linux", runtime.GOARCH
	c.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	return c
}

// envValue finds KEY in a KEY=VALUE list.
func envValue(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

// now is the time a commit records: --timestamp's, else the clock's.
func (b *Builder) now() time.Time {
	if b.o.Timestamp != nil {
		return b.o.Timestamp.UTC()
	}
	return time.Now().UTC()
}

// setEnv sets KEY=VALUE in a list, in place of an earlier KEY.
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}
