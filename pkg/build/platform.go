package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// baseImage resolves a FROM image as --pull says and reads its
// configuration. For a build for another platform (--arch, --os,
// --platform) a local image of the wrong platform is pulled again for the
// right one, unless --pull=never forbids it.
func (b *Builder) baseImage(ctx context.Context, name string) (string, *dockerspec.DockerOCIImage, error) {
	id, err := b.be.PullImage(ctx, name, b.o.Pull, b.pullProgress())
	if err != nil {
		return "", nil, fmt.Errorf("FROM %s: %w", name, err)
	}
	cfg, err := b.st.RawConfig(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if b.o.Platform.unset() || b.matches(cfg) {
		return id, cfg, nil
	}
	if b.o.Pull != "never" {
		if id, err = b.be.PullImage(ctx, name, "always", b.pullProgress()); err != nil {
			return "", nil, fmt.Errorf("FROM %s for %s: %w", name, b.o.Platform, err)
		}
		if cfg, err = b.st.RawConfig(ctx, id); err != nil {
			return "", nil, err
		}
		if b.matches(cfg) {
			return id, cfg, nil
		}
	}
	return "", nil, errdefs.NotFoundf("FROM %s: the image is %s/%s, not %s", name, cfg.OS, cfg.Architecture, b.o.Platform)
}

// unset reports whether no platform flag was given: the host's.
func (p Platform) unset() bool { return p.OS == "" && p.Arch == "" && p.Variant == "" }

// matches reports whether an image is of the build's platform (a variant
// the image does not state matches any).
func (b *Builder) matches(cfg *dockerspec.DockerOCIImage) bool {
	p := b.o.Platform
	return cfg.OS == p.os() && cfg.Architecture == p.arch() && (p.Variant == "" || cfg.Variant == "" || cfg.Variant == p.Variant)
}

// setPlatform records the build's platform flags in an image
// configuration and reports whether that changed it.
func (b *Builder) setPlatform(cfg *dockerspec.DockerOCIImage) bool {
	p, changed := b.o.Platform, false
	set := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst, changed = v, true
		}
	}
	set(&cfg.OS, p.OS)
	set(&cfg.Architecture, p.Arch)
	set(&cfg.Variant, p.Variant)
	set(&cfg.OSVersion, p.OSVersion)
	if len(p.OSFeatures) > 0 && strings.Join(cfg.OSFeatures, ",") != strings.Join(p.OSFeatures, ",") {
		cfg.OSFeatures, changed = append([]string(nil), p.OSFeatures...), true
	}
	return changed
}

// ParsePlatform reads "os/arch[/variant]" (either part may be empty: the
// host's).
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Platform{}, errdefs.InvalidArgumentf("invalid platform %q: use OS/ARCH[/VARIANT]", s)
	}
	p := Platform{OS: parts[0], Arch: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// unsetEnv removes KEY from a KEY=VALUE list.
func unsetEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}

// BaseImages lists the images the Dockerfile's stages start from (FROM
// names that are neither scratch nor an earlier stage), with the meta
// ARGs expanded for the host's platform and named contexts' images in
// place of their names, and from (--from), when set, as the first FROM's:
// what --all-platforms asks the platforms of.
func BaseImages(df *Dockerfile, buildArgs map[string]string, contexts map[string]NamedContext, from string) ([]string, error) {
	esc := df.Escape
	if esc == 0 {
		esc = '\\'
	}
	b := &Builder{o: Options{Dockerfile: df, BuildArgs: buildArgs}, lex: shell.NewLex(esc)}
	meta, err := b.metaArgs()
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for i, st := range df.Stages {
		name := st.BaseName
		if i == 0 && from != "" {
			name = from
		}
		base, err := b.expandMeta(name, meta)
		if err != nil {
			return nil, errdefs.InvalidArgumentf("FROM %s: %w", name, err)
		}
		if j := df.stageIndex(base); j >= 0 && j < i {
			continue
		}
		if nc, ok := contexts[base]; ok {
			if nc.Image == "" {
				continue
			}
			base = nc.Image
		}
		if strings.EqualFold(base, "scratch") || seen[base] {
			continue
		}
		seen[base] = true
		out = append(out, base)
	}
	return out, nil
}
