package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/containers/image/v5/types"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/storage"
	"github.com/pod-engine/pod/pkg/timings"
)

// PullOptions say how Pull reaches the registry and what it reports.
type PullOptions struct {
	// Quiet suppresses progress even when Progress is set.
	Quiet bool
	// AllTags pulls every tag of a repository named without tag or digest.
	AllTags bool
	// TLSVerify overrides registries.conf: false allows plain HTTP and
	// unverified certificates.
	TLSVerify types.OptionalBool
	// Platform picks an instance of a multi-platform image, "os/arch[/variant]".
	Platform string
	// OS, Arch and Variant override one part each of Platform (of this
	// machine's platform where Platform is empty): podman's --os, --arch
	// and --variant of pull, run and create.
	OS, Arch, Variant string
	// Progress receives progress (bars on a terminal, else lines); nil is silent.
	Progress io.Writer
	// AuthFile replaces the default auth.json locations.
	AuthFile string
	// Credentials, "user:pass", replace stored credentials.
	Credentials string
	// CertDir holds the registry's CA certificates and client keys.
	CertDir string
	// DecryptionKeys decrypt an encrypted image: "FILE[:PASSPHRASE]".
	DecryptionKeys []string
}

// Pull fetches an image (every tag of it with AllTags) from a registry
// into local storage and returns the IDs of the pulled images. Short names
// resolve through registries.conf's unqualified-search registries; an
// image already present is checked against the registry again. Errors wrap
// errdefs.ErrInvalidArg for a malformed name and errdefs.ErrNotFound when
// the registry has no such image.
func (r *Service) Pull(ctx context.Context, name string, opts PullOptions) ([]string, error) {
	progress := opts.Progress
	if opts.Quiet {
		progress = nil
	}
	endPull := timings.Start(ctx, "pull")
	ids, err := r.store.Pull(ctx, name, storage.PullOptions{
		RegistryOptions: storage.RegistryOptions{
			TLSVerify:   opts.TLSVerify,
			AuthFile:    opts.AuthFile,
			Credentials: opts.Credentials,
			CertDir:     opts.CertDir,
		},
		AllTags:        opts.AllTags,
		Platform:       opts.Platform,
		DecryptionKeys: opts.DecryptionKeys,
		OS:             opts.OS,
		Arch:           opts.Arch,
		Variant:        opts.Variant,
		Progress:       progress,
	})
	endPull()
	for _, id := range ids {
		r.imageEvent(ctx, "pull", id, name)
	}
	return ids, err
}

// Resolve returns the ID of the local image name, pulled as policy says:
// "always" pulls it, "missing" (or "") only when there is none, "never"
// never (no local image is then errdefs.ErrNotFound). Another policy is
// errdefs.ErrInvalidArg. A local image for another platform than o asks
// for (Platform, OS, Arch, Variant) counts as none, so run and create
// with --platform/--arch/--os/--variant pull the one asked for.
// Progress goes to o.Progress (nil: none).
func (r *Service) Resolve(ctx context.Context, name, policy string, o PullOptions) (string, error) {
	switch policy {
	case "", "missing", "always", "never":
	default:
		return "", errdefs.InvalidArgumentf("invalid --pull %q: use missing, always or never", policy)
	}
	if policy != "always" {
		img, err := r.store.LookupImage(name)
		var have, want string
		if err == nil {
			var ok bool
			if ok, have, want = r.platformMatches(ctx, img.ID, o); ok {
				return img.ID, nil
			}
		}
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return "", err
		}
		if policy == "never" {
			if err == nil {
				return "", errdefs.NotFoundf("%s: the local image is %s, not %s, and --pull=never", name, have, want)
			}
			return "", errdefs.NotFoundf("%s: image not known and --pull=never", name)
		}
	}
	ids, err := r.Pull(ctx, name, o)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("pull %s: no image pulled", name)
	}
	return ids[0], nil
}

// platformMatches reports whether the local image id is for the platform
// o asks for; when o asks for none, any image is. have and want are the
// image's platform and the one asked for (OS/ARCH[/VARIANT]), for errors.
func (r *Service) platformMatches(ctx context.Context, id string, o PullOptions) (ok bool, have, want string) {
	w := struct{ os, arch, variant string }{o.OS, o.Arch, o.Variant}
	if o.Platform != "" {
		parts := strings.SplitN(o.Platform, "/", 3)
		if w.os == "" {
			w.os = parts[0]
		}
		if len(parts) > 1 && w.arch == "" {
			w.arch = parts[1]
		}
		if len(parts) > 2 && w.variant == "" {
			w.variant = parts[2]
		}
	}
	if w.os == "" && w.arch == "" && w.variant == "" {
		return true, "", ""
	}
	cfg, err := r.store.ImageConfig(ctx, id)
	if err != nil {
		return false, "unreadable", platformString(w.os, w.arch, w.variant)
	}
	have = platformString(cfg.OS, cfg.Architecture, cfg.Variant)
	// What is not asked for is the image's own: "--arch arm64" wants
	// linux/arm64 of a linux image.
	want = platformString(or(w.os, cfg.OS), or(w.arch, cfg.Architecture), or(w.variant, cfg.Variant))
	ok = (w.os == "" || w.os == cfg.OS) && (w.arch == "" || w.arch == cfg.Architecture) &&
		(w.variant == "" || w.variant == cfg.Variant)
	return ok, have, want
}

func platformString(os, arch, variant string) string {
	s := os + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
