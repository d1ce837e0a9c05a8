package build

import (
	"context"
	"fmt"
	"strings"

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
