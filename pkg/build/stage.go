package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/storage"
)

// stageState is a stage being built: its current image and configuration.
type stageState struct {
	image  string // "" before anything is committed on scratch
	base   string // the FROM image, for --squash
	cfg    dockerspec.DockerOCIImage
	args   map[string]string // ARGs in scope
	shell  []string
	cmdSet bool
}

// env is what instructions expand against: ARGs, then ENV over them.
func (s *stageState) env() mapEnv {
	m := mapEnv{}
	for k, v := range s.args {
		m[k] = v
	}
	for _, kv := range s.cfg.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func (b *Builder) buildStage(ctx context.Context, idx int, meta map[string]string, prefix string, final bool) (*stageState, error) {
	df := b.o.Dockerfile
	st := df.Stages[idx]
	total := len(st.Commands) + 1
	s := &stageState{args: map[string]string{}, shell: []string{"/bin/sh", "-c"}}
	from := st.SourceCode
	b.printf("%sSTEP 1/%d: %s\n", prefix, total, from)
	base, err := b.expandMeta(st.BaseName, meta)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("FROM %s: %w", st.BaseName, err)
	}
	if st.Platform != "" {
		p, err := b.expandMeta(st.Platform, meta)
		if err != nil {
			return nil, err
		}
		if p != "linux/"+emptyConfig().Architecture && p != "$BUILDPLATFORM" && p != "$TARGETPLATFORM" && p != "" {
			return nil, errdefs.InvalidArgumentf("FROM --platform=%s: only the host's platform (linux/%s) can be built", p, emptyConfig().Architecture)
		}
	}
	switch j := df.stageIndex(base); {
	case j >= 0 && j < idx && b.stages[j] != nil:
		prev := b.stages[j]
		s.image, s.cfg = prev.image, prev.cfg
		s.shell = prev.shell
	case strings.EqualFold(base, "scratch"):
		s.cfg = emptyConfig()
		s.cfg.Config.Env = nil
	default:
		id, err := b.be.PullImage(ctx, base, b.o.Pull, b.pullProgress())
		if err != nil {
			return nil, fmt.Errorf("FROM %s: %w", base, err)
		}
		cfg, err := b.st.RawConfig(ctx, id)
		if err != nil {
			return nil, err
		}
		s.image, s.cfg = id, *cfg
		if len(cfg.Config.Shell) > 0 {
			s.shell = cfg.Config.Shell
		}
	}
	s.base = s.image
	s.cfg.History = nil
	s.cfg.Created = nil

	// ONBUILD triggers of the base run first, and are not inherited.
	triggers := s.cfg.Config.OnBuild
	s.cfg.Config.OnBuild = nil
	cmds := st.Commands
	if len(triggers) > 0 {
		var trig []instructions.Command
		for _, t := range triggers {
			c, err := parseTrigger(t)
			if err != nil {
				return nil, fmt.Errorf("ONBUILD trigger %q of %s: %w", t, base, err)
			}
			trig = append(trig, c)
		}
		b.printf("%s--> Executing %d build triggers\n", prefix, len(trig))
		for _, c := range trig {
			if err := b.step(ctx, s, c, "", idx, false); err != nil {
				return nil, err
			}
		}
	}
	for n, c := range cmds {
		b.printf("%sSTEP %d/%d: %s\n", prefix, n+2, total, commandText(c))
		last := n == len(cmds)-1 && final && len(b.o.Labels) == 0 && len(b.o.Env) == 0
		if err := b.step(ctx, s, c, prefix, idx, last); err != nil {
			return nil, err
		}
	}
	if final {
		if err := b.finish(ctx, s, prefix); err != nil {
			return nil, err
		}
	} else if s.image == "" {
		if _, err := b.commitConfig(ctx, s, "", "FROM scratch"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// finish applies --label and --env, squashes when asked (or without
// --layers) and tags the final image.
func (b *Builder) finish(ctx context.Context, s *stageState, prefix string) error {
	if len(b.o.Labels) > 0 {
		if s.cfg.Config.Labels == nil {
			s.cfg.Config.Labels = map[string]string{}
		}
		for _, k := range sortedKeys(b.o.Labels) {
			s.cfg.Config.Labels[k] = b.o.Labels[k]
		}
	}
	env := map[string]string{}
	for _, kv := range b.o.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
		s.cfg.Config.Env = setEnv(s.cfg.Config.Env, k, v)
	}
	if len(b.o.Labels)+len(env) > 0 {
		var what []string
		if len(b.o.Labels) > 0 {
			what = append(what, "LABEL "+labelText(b.o.Labels))
		}
		if len(env) > 0 {
			what = append(what, "ENV "+labelText(env))
		}
		key := cacheKey(s.image, nil, b.o.Labels, "--label")
		if len(env) > 0 {
			key = cacheKey(key, nil, env, "--env")
		}
		if id, ok := b.cached(key); ok {
			if err := b.useCache(ctx, s, id); err != nil {
				return err
			}
		} else if _, err := b.commitConfig(ctx, s, key, strings.Join(what, " ")); err != nil {
			return err
		}
	}
	if b.o.Squash || !b.o.Layers {
		top := ""
		if s.image != "" {
			img, err := b.st.Image(s.image)
			if err != nil {
				return err
			}
			top = img.TopLayer
		}
		baseTop := ""
		if s.base != "" {
			img, err := b.st.Image(s.base)
			if err != nil {
				return err
			}
			baseTop = img.TopLayer
		}
		layer := ""
		if top != baseTop {
			layer = top
		}
		cfg := s.cfg
		cfg.History = nil
		id, err := b.st.Commit(ctx, storage.CommitOptions{
			Parent: s.base, Layer: layer, Config: cfg, Format: b.o.Format,
			History: v1.History{CreatedBy: "/bin/sh -c #(nop) squashed build"},
		})
		if err != nil {
			return err
		}
		if id != s.image {
			b.created = append(b.created, id)
		}
		s.image = id
	}
	if s.image == "" {
		if _, err := b.commitConfig(ctx, s, "", "FROM scratch"); err != nil {
			return err
		}
	}
	if len(b.o.Tags) > 0 {
		b.printf("%sCOMMIT %s\n", prefix, b.o.Tags[0])
	} else {
		b.printf("%sCOMMIT\n", prefix)
	}
	var names []string
	for _, t := range b.o.Tags {
		n, err := storage.NormalizeName(t)
		if err != nil {
			return err
		}
		names = append(names, n.String())
	}
	if len(names) > 0 {
		if err := b.st.AddNames(s.image, names); err != nil {
			return fmt.Errorf("tag %s: %w", shortID(s.image), err)
		}
	}
	b.printf("--> %s\n", shortID(s.image))
	for _, n := range names {
		b.printf("Successfully tagged %s\n", n)
	}
	return nil
}

func labelText(m map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%q=%q", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func parseTrigger(t string) (instructions.Command, error) {
	res, err := parser.Parse(strings.NewReader(t))
	if err != nil {
		return nil, err
	}
	if len(res.AST.Children) != 1 {
		return nil, fmt.Errorf("not one instruction")
	}
	return instructions.ParseCommand(res.AST.Children[0])
}

// commandText is an instruction as the Dockerfile has it.
func commandText(c instructions.Command) string {
	if s, ok := c.(fmt.Stringer); ok {
		return s.String()
	}
	return c.Name()
}

// cacheKey identifies a step's result: the parent image, the instruction
// with its variables expanded (its parsed form), the build arguments in
// scope and, for COPY and ADD, the digest of the copied files.
func cacheKey(parent string, c instructions.Command, args map[string]string, extra string) string {
	h := sha256.New()
	fmt.Fprintf(h, "parent %s\n", parent)
	if c != nil {
		fmt.Fprintf(h, "instruction %s\n", commandText(c))
		if j, err := json.Marshal(c); err == nil {
			fmt.Fprintf(h, "expanded %s\n", j)
		}
	}
	for _, k := range sortedKeys(args) {
		fmt.Fprintf(h, "arg %s=%s\n", k, args[k])
	}
	fmt.Fprintf(h, "content %s\n", extra)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// cacheMeta is what the image record's metadata holds for the cache.
type cacheMeta struct {
	BuildCacheKey string `json:"pod.build.cache-key"`
}

// cached finds the image an earlier build committed for key.
func (b *Builder) cached(key string) (string, bool) {
	if !b.o.Layers || b.o.NoCache {
		return "", false
	}
	imgs, err := b.st.Images()
	if err != nil {
		return "", false
	}
	for _, img := range imgs {
		if !strings.Contains(img.Metadata, key) {
			continue
		}
		var m cacheMeta
		if json.Unmarshal([]byte(img.Metadata), &m) == nil && m.BuildCacheKey == key {
			return img.ID, true
		}
	}
	return "", false
}

// useCache moves the stage onto a cached image.
func (b *Builder) useCache(ctx context.Context, s *stageState, id string) error {
	cfg, err := b.st.RawConfig(ctx, id)
	if err != nil {
		return err
	}
	s.image, s.cfg = id, *cfg
	b.printf("--> Using cache %s\n", id)
	b.printf("--> %s\n", shortID(id))
	return nil
}

// commitKeyed commits the stage's configuration with layer (a container's
// layer, or "" for none) as the step's image, recorded under key for the
// layer cache.
func (b *Builder) commitKeyed(ctx context.Context, s *stageState, createdBy, layer, key string) error {
	meta := ""
	var ann map[string]string
	if key != "" && b.o.Layers {
		j, _ := json.Marshal(cacheMeta{BuildCacheKey: key})
		meta = string(j)
		ann = map[string]string{"io.pod.build.cache-key": key}
	}
	cfg := s.cfg
	cfg.History = nil
	now := time.Now().UTC()
	cfg.Created = &now
	id, err := b.st.Commit(ctx, storage.CommitOptions{
		Parent: s.image, Layer: layer, Config: cfg, Format: b.o.Format,
		History: v1.History{Created: &now, CreatedBy: createdBy}, Metadata: meta, Annotations: ann,
	})
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	b.created = append(b.created, id)
	ncfg, err := b.st.RawConfig(ctx, id)
	if err != nil {
		return err
	}
	s.image, s.cfg = id, *ncfg
	return nil
}

// commitConfig commits a configuration-only step.
func (b *Builder) commitConfig(ctx context.Context, s *stageState, key, createdBy string) (string, error) {
	if err := b.commitKeyed(ctx, s, "/bin/sh -c #(nop) "+createdBy, "", key); err != nil {
		return "", err
	}
	return s.image, nil
}

// workdir resolves p against the stage's working directory.
func (s *stageState) workdir(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	wd := s.cfg.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	return path.Join(wd, p)
}
