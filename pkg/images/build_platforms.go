package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/manifests"
)

// buildPlatforms builds the image once per platform (--platform a,b or
// --all-platforms) and adds each image to the manifest list o.Manifest,
// made if absent. With several platforms the tags name the list, and the
// first stands for --manifest when that is not given; with one, they name
// the image. It returns the list's ID with several platforms, else the
// image's.
func (r *Service) buildPlatforms(ctx context.Context, o BuildOptions, bctx *build.Context, df *build.Dockerfile, ssh map[string]string, steps StepRunner) (string, error) {
	platforms := o.Platforms
	if o.AllPlatforms {
		var err error
		if platforms, err = r.basePlatforms(ctx, o, df); err != nil {
			return "", err
		}
	}
	if len(platforms) == 0 {
		platforms = []build.Platform{o.Image.Platform}
	}
	list, imageTags, listTags := o.Manifest, o.Tags, []string(nil)
	if len(platforms) > 1 {
		imageTags, listTags = nil, o.Tags
		if list == "" {
			if len(o.Tags) == 0 {
				return "", errdefs.InvalidArgumentf("a build for several platforms makes a manifest list: name it with --manifest or -t")
			}
			list, listTags = o.Tags[0], o.Tags[1:]
		}
		if o.Output != nil {
			return "", errdefs.InvalidArgumentf("-o/--output writes one image's files: build one platform at a time")
		}
	}
	// A name taken by an image that is no list fails before the build.
	if _, err := r.store.LookupManifestList(list); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return "", fmt.Errorf("--manifest %s: %w", list, err)
	}
	var ids []string
	for i, p := range platforms {
		if i > 0 {
			var err error
			if df, err = df.Reparse(); err != nil {
				return "", err
			}
		}
		po := o
		if p.OS == "" && p.Arch == "" && p.Variant == "" {
			// The host's, named: a local image of another platform by
			// the base's name is not this build's base.
			p.OS, p.Arch = "linux", runtime.GOARCH
		}
		po.Image.Platform = p
		if o.LogSplit != "" {
			f, err := os.OpenFile(SplitLogfile(o.LogSplit, p), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			if err != nil {
				return "", fmt.Errorf("--logfile: %w", err)
			}
			defer f.Close()
			po.Out, po.Err = f, f
		}
		if len(platforms) > 1 && !o.Quiet && po.Out != nil {
			fmt.Fprintf(po.Out, "[%s] building\n", p)
		}
		id, err := r.buildOne(ctx, po, bctx, df, ssh, steps, imageTags)
		if err != nil {
			if len(platforms) > 1 {
				return "", fmt.Errorf("build for %s: %w", p, err)
			}
			return "", err
		}
		ids = append(ids, id)
	}
	listID, err := r.CreateManifestList(ctx, list, ids, ManifestCreateOptions{Amend: true})
	if err != nil {
		return "", fmt.Errorf("--manifest %s: %w", list, err)
	}
	if len(listTags) > 0 {
		if err := r.TagImage(ctx, listID, listTags...); err != nil {
			return "", err
		}
	}
	if len(ids) > 1 {
		return listID, nil
	}
	return ids[0], nil
}

// basePlatforms are the platforms every base image of the Dockerfile
// offers (--all-platforms): each must be a manifest list, locally or in
// its registry.
func (r *Service) basePlatforms(ctx context.Context, o BuildOptions, df *build.Dockerfile) ([]build.Platform, error) {
	bases, err := build.BaseImages(df, o.BuildArgs, o.Image.Contexts, o.Image.From)
	if err != nil {
		return nil, err
	}
	if len(bases) == 0 {
		return nil, errdefs.InvalidArgumentf("--all-platforms: the Dockerfile has no base image to take platforms from (FROM scratch only): name them with --platform")
	}
	var common map[string]build.Platform
	for _, base := range bases {
		doc, err := r.InspectManifestList(ctx, base, RegistryOptions{TLSVerify: o.TLSVerify, AuthFile: o.AuthFile, CertDir: o.CertDir, Credentials: o.Credentials})
		if err != nil {
			return nil, fmt.Errorf("--all-platforms: platforms of %s: %w", base, err)
		}
		list, ok := doc.(manifests.Inspect)
		if !ok {
			return nil, errdefs.InvalidArgumentf("--all-platforms: %s is one image, not a manifest list: name the platforms with --platform", base)
		}
		these := map[string]build.Platform{}
		for _, m := range list.Manifests {
			p := build.Platform{OS: m.Platform.OS, Arch: m.Platform.Architecture, Variant: m.Platform.Variant}
			if p.OS == "" || p.Arch == "" || p.OS == "unknown" {
				continue // attestations and entries without a platform
			}
			these[p.String()] = p
		}
		if common == nil {
			common = these
			continue
		}
		for k := range common {
			if _, ok := these[k]; !ok {
				delete(common, k)
			}
		}
	}
	if len(common) == 0 {
		return nil, errdefs.NotFoundf("--all-platforms: the base images %s have no platform in common", strings.Join(bases, ", "))
	}
	keys := make([]string, 0, len(common))
	for k := range common {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]build.Platform, 0, len(keys))
	for _, k := range keys {
		out = append(out, common[k])
	}
	return out, nil
}

// SplitLogfile is --logsplit's file name for a platform: LOGFILE_OS_ARCH.
func SplitLogfile(logfile string, p build.Platform) string {
	parts := strings.SplitN(p.String(), "/", 3)
	return fmt.Sprintf("%s_%s_%s", logfile, parts[0], parts[1])
}
