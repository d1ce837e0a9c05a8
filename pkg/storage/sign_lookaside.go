package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/signing"
)

// SignOptions say how SignInRegistry signs.
type SignOptions struct {
	RegistryOptions
	// Key is the GPG key that signs; Passphrase unlocks it, empty letting
	// gpg-agent ask.
	Key        string
	Passphrase string
	// Directory is where the signatures go instead of the lookaside
	// storage registries.d names (podman's --directory).
	Directory string
	// All signs each image of a multi-architecture image instead of
	// the image itself.
	All bool
}

// SignInRegistry writes a simple signature of each image (a registry
// reference, "docker://" allowed) as it is in the registry now into the
// lookaside storage: DIR/REPO@ALGO=HEX/signature-N with DIR from
// registries.d (lookaside-staging, else lookaside, else the built-in
// default) or opts.Directory, N the first free number: podman's `image
// sign`. Only file: locations can be written.
func (s *Store) SignInRegistry(ctx context.Context, names []string, opts SignOptions) error {
	if opts.Key == "" {
		return errdefs.InvalidArgumentf("a GPG key to sign with is required (--sign-by)")
	}
	g, err := signing.NewGPG()
	if err != nil {
		return err
	}
	if err := g.CheckKey(ctx, opts.Key); err != nil {
		return err
	}
	for _, name := range names {
		if err := s.signOne(ctx, g, name, opts); err != nil {
			return fmt.Errorf("sign %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) signOne(ctx context.Context, g *signing.GPG, name string, opts SignOptions) error {
	if r, err := parseTransportName(name); err == nil && r.Transport().Name() != docker.Transport.Name() {
		return errdefs.InvalidArgumentf("only images in a registry can be signed (docker://), not %s images", r.Transport().Name())
	}
	ref, err := parseDestination(name)
	if err != nil {
		return err
	}
	named := ref.DockerReference()
	sys, err := s.registryContext(opts.RegistryOptions)
	if err != nil {
		return err
	}
	sys = withReadableAuth(sys, named)
	dir, err := lookasideDir(sys, ref, named, opts.Directory)
	if err != nil {
		return err
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return categorizeRegistryError(err)
	}
	defer src.Close()
	top, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return categorizeRegistryError(err)
	}
	if !opts.All {
		d, err := manifest.Digest(top)
		if err != nil {
			return err
		}
		return writeLookasideSignature(g, dir, top, d, named, opts)
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		return errdefs.InvalidArgumentf("--all: not a multi-architecture image (manifest type %s)", mt)
	}
	list, err := manifest.ListFromBlob(top, mt)
	if err != nil {
		return fmt.Errorf("parse manifest list: %w", err)
	}
	for _, d := range list.Instances() {
		m, _, err := src.GetManifest(ctx, &d)
		if err != nil {
			return categorizeRegistryError(err)
		}
		if err := writeLookasideSignature(g, dir, m, d, named, opts); err != nil {
			return err
		}
	}
	return nil
}

// lookasideDir is the directory the signatures of the repository of
// named go under (before "@ALGO=HEX").
func lookasideDir(sys *types.SystemContext, ref types.ImageReference, named reference.Named, directory string) (string, error) {
	if directory != "" {
		return filepath.Join(directory, reference.Path(named)), nil
	}
	u, err := docker.SignatureStorageBaseURL(sys, ref, true)
	if err != nil {
		return "", err
	}
	if u.Scheme != "file" {
		return "", errdefs.InvalidArgumentf("signature storage %s: only file: locations can be written (set lookaside-staging in registries.d, or --directory)", u.Redacted())
	}
	return u.Path, nil
}

// writeLookasideSignature signs manifest m (digest d) as named and adds
// the signature to d's directory under dir.
func writeLookasideSignature(g *signing.GPG, dir string, m []byte, d digest.Digest, named reference.Named, opts SignOptions) error {
	sig, err := g.SignManifest(m, named, opts.Key, opts.Passphrase)
	if err != nil {
		return signError(err)
	}
	sigDir := dir + "@" + d.Algorithm().String() + "=" + d.Encoded()
	if err := os.MkdirAll(sigDir, 0o755); err != nil {
		return fmt.Errorf("signature directory: %w", err)
	}
	for n := 1; ; n++ {
		p := filepath.Join(sigDir, "signature-"+strconv.Itoa(n))
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write signature: %w", err)
		}
		_, err = f.Write(sig)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(p)
			return fmt.Errorf("write signature %s: %w", p, err)
		}
		return nil
	}
}
