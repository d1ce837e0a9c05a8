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

	cstorage "github.com/containers/storage"
	"github.com/containers/storage/pkg/idtools"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/storage"
	"github.com/pod-engine/pod/pkg/version"
)

// IdentityLabel is the label naming the pod version that built an image
// (--identity-label, podman's io.buildah.version).
const IdentityLabel = "io.pod.version"

// stageState is a stage being built: its current image and configuration.
type stageState struct {
	image  string // "" before anything is committed on scratch
	base   string // the FROM image, for --squash
	cfg    dockerspec.DockerOCIImage
	args   map[string]string // ARGs in scope
	shell  []string
	cmdSet bool
	// retargeted says the build's platform or identity label changed the
	// base's configuration: a stage with no step of its own still
	// commits an image.
	retargeted bool
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
		if p != "linux/"+emptyConfig().Architecture && p != b.o.Platform.String() && p != "$BUILDPLATFORM" && p != "$TARGETPLATFORM" && p != "" {
			return nil, errdefs.InvalidArgumentf("FROM --platform=%s: only the host's platform (linux/%s) can be built", p, emptyConfig().Architecture)
		}
	}
	j := df.stageIndex(base)
	if nc, ok := b.o.Contexts[base]; ok && !(j >= 0 && j < idx) {
		if nc.Image == "" {
			return nil, errdefs.InvalidArgumentf("FROM %s: the build context %s is a directory, not an image", base, base)
		}
		base = nc.Image
	}
	switch {
	case j >= 0 && j < idx && b.stages[j] != nil:
		prev := b.stages[j]
		s.image, s.cfg = prev.image, prev.cfg
		s.shell = prev.shell
	case strings.EqualFold(base, "scratch"):
		s.cfg = emptyConfig()
		s.cfg.Config.Env = nil
	default:
		id, cfg, err := b.baseImage(ctx, base)
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
	s.retargeted = b.setPlatform(&s.cfg)
	if b.o.IdentityLabel && s.cfg.Config.Labels[IdentityLabel] != version.Version {
		if s.cfg.Config.Labels == nil {
			s.cfg.Config.Labels = map[string]string{}
		}
		s.cfg.Config.Labels[IdentityLabel] = version.Version
		s.retargeted = true
	}

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

// finish applies --label, --env and --unsetenv, rewrites the image when
// asked to (squash, --squash-all, --omit-history, --annotation; or
// without --layers) and tags the final image.
func (b *Builder) finish(ctx context.Context, s *stageState, prefix string) error {
	if s.retargeted && s.image != "" && s.image == s.base {
		key := cacheKey(s.image, nil, nil, "retarget")
		if id, ok := b.cached(ctx, key); ok {
			if err := b.useCache(ctx, s, id); err != nil {
				return err
			}
		} else if _, err := b.commitConfig(ctx, s, key, "FROM "+shortID(s.base)); err != nil {
			return err
		}
	}
	if err := b.finalConfig(ctx, s); err != nil {
		return err
	}
	if b.o.Squash || b.o.SquashAll || !b.o.Layers || b.o.OmitHistory || len(b.o.Annotations) > 0 {
		if err := b.rewrite(ctx, s); err != nil {
			return err
		}
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

// finalConfig commits --label, --env and --unsetenv as one last,
// cached, configuration step.
func (b *Builder) finalConfig(ctx context.Context, s *stageState) error {
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
	unset := map[string]string{}
	for _, k := range b.o.UnsetEnv {
		unset[k] = ""
		s.cfg.Config.Env = unsetEnv(s.cfg.Config.Env, k)
	}
	if len(b.o.Labels)+len(env)+len(unset) == 0 {
		return nil
	}
	var what []string
	if len(b.o.Labels) > 0 {
		what = append(what, "LABEL "+labelText(b.o.Labels))
	}
	if len(env) > 0 {
		what = append(what, "ENV "+labelText(env))
	}
	if len(unset) > 0 {
		what = append(what, "UNSETENV "+strings.Join(sortedKeys(unset), " "))
	}
	key := cacheKey(s.image, nil, b.o.Labels, "--label")
	if len(env) > 0 {
		key = cacheKey(key, nil, env, "--env")
	}
	if len(unset) > 0 {
		key = cacheKey(key, nil, unset, "--unsetenv")
	}
	if id, ok := b.cached(ctx, key); ok {
		return b.useCache(ctx, s, id)
	}
	_, err := b.commitConfig(ctx, s, key, strings.Join(what, " "))
	return err
}

// rewrite commits the final image once more: its new layers squashed into
// one (--squash, or without --layers), its whole tree as one layer
// (--squash-all), without history, with the manifest's annotations.
func (b *Builder) rewrite(ctx context.Context, s *stageState) error {
	parent, layer := s.image, ""
	history := v1.History{CreatedBy: "/bin/sh -c #(nop) ANNOTATIONS " + labelText(b.o.Annotations)}
	if b.o.Squash || b.o.SquashAll || !b.o.Layers {
		top, err := b.topLayer(s.image)
		if err != nil {
			return err
		}
		baseTop, err := b.topLayer(s.base)
		if err != nil {
			return err
		}
		parent = s.base
		if top != baseTop {
			layer = top
		}
		if b.o.SquashAll {
			parent, layer = "", top
		}
		history = v1.History{CreatedBy: "/bin/sh -c #(nop) squashed build"}
	}
	if s.image == "" && parent == "" && layer == "" {
		// FROM scratch with nothing in it: there is no image yet.
		if _, err := b.commitConfig(ctx, s, "", "FROM scratch"); err != nil {
			return err
		}
		parent = s.image
	}
	cfg := s.cfg
	cfg.History = nil
	cfg.Created = nil
	now := b.now()
	history.Created = &now
	id, err := b.st.Commit(ctx, storage.CommitOptions{
		Parent: parent, Layer: layer, Config: cfg, Format: b.o.Format, History: history,
		Annotations: b.o.Annotations, Timestamp: b.o.Timestamp, OmitHistory: b.o.OmitHistory,
	})
	if err != nil {
		return err
	}
	if id != s.image {
		b.created = append(b.created, id)
	}
	s.image = id
	return nil
}

// topLayer is an image's top layer; "" for none.
func (b *Builder) topLayer(image string) (string, error) {
	if image == "" {
		return "", nil
	}
	img, err := b.st.Image(image)
	if err != nil {
		return "", err
	}
	return img.TopLayer, nil
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

// cached finds the image an earlier build committed for key: in local
// storage, else in a --cache-from repository. --cache-ttl ignores older
// ones.
func (b *Builder) cached(ctx context.Context, key string) (string, bool) {
	if !b.o.Layers || b.o.NoCache {
		return "", false
	}
	key = b.variantKey(key)
	imgs, err := b.st.Images()
	if err != nil {
		return "", false
	}
	for _, img := range imgs {
		if !strings.Contains(img.Metadata, key) {
			continue
		}
		if b.o.CacheTTL > 0 && time.Since(img.Created) > b.o.CacheTTL {
			continue
		}
		var m cacheMeta
		if json.Unmarshal([]byte(img.Metadata), &m) == nil && m.BuildCacheKey == key {
			return img.ID, true
		}
	}
	return b.remoteCached(ctx, key)
}

// variantKey folds into a step's key what the build puts in every image
// it commits, beyond the step itself: --timestamp's time, the identity
// label, the platform. The same step of builds that differ there makes
// different images.
func (b *Builder) variantKey(key string) string {
	if key == "" {
		return key
	}
	var v []string
	if b.o.Timestamp != nil {
		v = append(v, fmt.Sprintf("timestamp %d", b.o.Timestamp.Unix()))
	}
	if b.o.IdentityLabel {
		v = append(v, "identity "+version.Version)
	}
	if p := b.o.Platform; !p.unset() || p.OSVersion != "" || len(p.OSFeatures) > 0 {
		v = append(v, fmt.Sprintf("platform %s %s %v", p, p.OSVersion, p.OSFeatures))
	}
	if len(v) == 0 {
		return key
	}
	return cacheKey(key, nil, nil, strings.Join(v, "\n"))
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
	return b.commitMapped(ctx, s, createdBy, layer, key, nil)
}

// commitMapped is commitKeyed for the layer of a container with ID maps
// (a RUN step's under --userns-uid-map): the image records the IDs the
// container saw.
func (b *Builder) commitMapped(ctx context.Context, s *stageState, createdBy, layer, key string, ctr *cstorage.Container) error {
	meta := ""
	var ann map[string]string
	key = b.variantKey(key)
	if key != "" && b.o.Layers {
		j, _ := json.Marshal(cacheMeta{BuildCacheKey: key})
		meta = string(j)
		ann = map[string]string{"io.pod.build.cache-key": key}
	}
	cfg := s.cfg
	cfg.History = nil
	now := b.now()
	cfg.Created = &now
	id, err := b.st.Commit(ctx, storage.CommitOptions{
		Parent: s.image, Layer: layer, Config: cfg, Format: b.o.Format,
		History: v1.History{Created: &now, CreatedBy: createdBy}, Metadata: meta, Annotations: ann,
		Timestamp: b.o.Timestamp, UIDMap: mapsOf(ctr, true), GIDMap: mapsOf(ctr, false),
	})
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	b.created = append(b.created, id)
	if meta != "" {
		b.pushCache(ctx, id, key)
	}
	ncfg, err := b.st.RawConfig(ctx, id)
	if err != nil {
		return err
	}
	s.image, s.cfg = id, *ncfg
	return nil
}

func mapsOf(ctr *cstorage.Container, uid bool) []idtools.IDMap {
	switch {
	case ctr == nil:
		return nil
	case uid:
		return ctr.UIDMap
	}
	return ctr.GIDMap
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
