package storage

import (
	"context"
	"errors"
	"fmt"
	encconfig "github.com/containers/ocicrypt/config"
	"io"
	"os"
	"strings"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// PullOptions say how to pull.
type PullOptions struct {
	RegistryOptions
	// AllTags pulls every tag of the repository; the name must not carry
	// a tag or digest.
	AllTags bool
	// Platform selects an instance of a multi-platform image:
	// "os/arch[/variant]"; empty means this machine's.
	Platform string
	// OS, Arch and Variant override one part each of Platform (of this
	// machine's platform where Platform is empty).
	OS, Arch, Variant string
	// Progress receives "Copying blob ..." lines, or progress bars when it
	// is a terminal. Nil discards them.
	Progress io.Writer
	// DecryptionKeys are private keys, "FILE[:PASSPHRASE]", that decrypt
	// the layers of an image encrypted with ocicrypt (--decryption-key).
	DecryptionKeys []string
}

// Pull copies an image from a registry into the store and returns the IDs
// of the images it stored, one per tag pulled. A short name is tried at
// each unqualified-search registry of registries.conf in turn; when all
// fail, the error names every attempt. An image already present is still
// checked against the registry, so a moved tag is followed, and blobs
// already in the store are not downloaded again. A failed or interrupted
// pull leaves no image behind; containers/storage discards incomplete
// layers the next time the store is opened for writing.
func (s *Store) Pull(ctx context.Context, name string, opts PullOptions) ([]string, error) {
	sys, err := s.registryContext(opts.RegistryOptions)
	if err != nil {
		return nil, err
	}
	dc, err := decryptConfig(opts.DecryptionKeys)
	if err != nil {
		return nil, err
	}
	if err := applyPlatform(sys, opts.Platform); err != nil {
		return nil, err
	}
	applyChoice(sys, opts.OS, opts.Arch, opts.Variant)
	name = strings.TrimPrefix(name, "docker://")
	if name == "" {
		return nil, errdefs.InvalidArgumentf("empty image name")
	}
	if opts.AllTags {
		return s.pullAllTags(ctx, sys, name, opts, dc)
	}
	resolved, err := resolve(sys, name)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, c := range resolved.PullCandidates {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "Trying to pull %s...\n", c.Value)
		}
		id, err := s.copyFromRegistry(ctx, sys, c.Value, opts.Progress, dc)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		// Recording a short-name alias only happens after the user chose
		// a registry at a prompt; failing to record does not undo the pull.
		_ = c.Record()
		return []string{id}, nil
	}
	return nil, joinPullErrors(name, errs)
}

// resolve turns a user's image name into the fully qualified names to try.
func resolve(sys *types.SystemContext, name string) (*shortnames.Resolved, error) {
	if _, err := reference.ParseNormalizedNamed(name); err != nil {
		return nil, errdefs.InvalidArgumentf("parsing reference %q: %w", name, err)
	}
	resolved, err := shortnames.Resolve(sys, name)
	if err != nil {
		// Its words name the image and what is missing, as podman shows them.
		return nil, errdefs.InvalidArgument(err)
	}
	return resolved, nil
}

// joinPullErrors makes one line out of the failures of all candidates.
func joinPullErrors(name string, errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	err := fmt.Errorf("pulling %s: %d candidates failed: %s", name, len(errs), strings.Join(msgs, "; "))
	for _, e := range errs {
		if errors.Is(e, errdefs.ErrNotFound) {
			return errdefs.NotFound(err)
		}
	}
	return err
}

func (s *Store) pullAllTags(ctx context.Context, sys *types.SystemContext, name string, opts PullOptions, dc *encconfig.DecryptConfig) ([]string, error) {
	parsed, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("parsing reference %q: %w", name, err)
	}
	_, tagged := parsed.(reference.Tagged)
	_, digested := parsed.(reference.Digested)
	if tagged || digested {
		return nil, errdefs.InvalidArgumentf("%s: --all-tags takes a repository name without a tag or digest", name)
	}
	resolved, err := resolve(sys, name)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, c := range resolved.PullCandidates {
		repo := reference.TrimNamed(c.Value)
		ref, err := docker.NewReference(reference.TagNameOnly(repo))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		csys := withReadableAuth(sys, repo)
		tags, err := docker.GetRepositoryTags(ctx, csys, ref)
		if err != nil {
			errs = append(errs, fmt.Errorf("list tags of %s: %w", repo, err))
			continue
		}
		var ids []string
		for _, tag := range tags {
			tagged, err := reference.WithTag(repo, tag)
			if err != nil {
				return ids, fmt.Errorf("tag %q of %s: %w", tag, repo, err)
			}
			if opts.Progress != nil {
				fmt.Fprintf(opts.Progress, "Trying to pull %s...\n", tagged)
			}
			id, err := s.copyFromRegistry(ctx, sys, tagged, opts.Progress, dc)
			if err != nil {
				return ids, err
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	return nil, joinPullErrors(name, errs)
}

// copyFromRegistry pulls one fully qualified reference and returns the ID
// of the stored image.
func (s *Store) copyFromRegistry(ctx context.Context, sys *types.SystemContext, named reference.Named, progress io.Writer, dc *encconfig.DecryptConfig) (string, error) {
	// "repo:tag@digest" pulls by digest; the tag is only a comment, as in
	// podman and Docker.
	if d, ok := named.(reference.Digested); ok {
		if _, tagged := named.(reference.Tagged); tagged {
			var err error
			if named, err = reference.WithDigest(reference.TrimNamed(named), d.Digest()); err != nil {
				return "", errdefs.InvalidArgumentf("%s: %w", named, err)
			}
		}
	}
	srcRef, err := docker.NewReference(named)
	if err != nil {
		return "", errdefs.InvalidArgumentf("%s: %w", named, err)
	}
	dstRef, err := istorage.Transport.NewStoreReference(s.Store, named, "")
	if err != nil {
		return "", fmt.Errorf("storage reference for %s: %w", named, err)
	}
	pc, err := PolicyContext()
	if err != nil {
		return "", err
	}
	defer func() { _ = pc.Destroy() }()
	srcSys := withReadableAuth(sys, named)
	tmp, err := s.opTempDir()
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	dstSys := *s.sys
	dstSys.BigFilesTemporaryDir = tmp
	lone := s.pulls.Add(1) == 1
	defer s.pulls.Add(-1)
	// Held until copy.Image is done too: with partial pulls it stages
	// layers as well.
	guard, err := s.holdStaging(ctx, lone)
	if err != nil {
		return "", fmt.Errorf("pull %s: %w", named, err)
	}
	defer guard.Close()
	pulled, err := s.pullLayersAhead(ctx, srcSys, srcRef, pc, tmp, progress)
	if err != nil {
		return "", categorizeRegistryError(fmt.Errorf("pull %s: %w", named, err))
	}
	report := progressWriter(progress)
	if pulled != nil && progress != nil {
		report = newReportFilter(progress, pulled.blobs)
	}
	_, err = copy.Image(ctx, pc, dstRef, srcRef, &copy.Options{
		SourceCtx:        srcSys,
		DestinationCtx:   &dstSys,
		ReportWriter:     report,
		OciDecryptConfig: dc,
	})
	if err != nil && dc == nil && encrypted(ctx, srcSys, srcRef) {
		// containers/image would store the ciphertext and then fail on
		// its digest: name the cause instead.
		s.dropLayers(pulled)
		return "", errdefs.InvalidArgumentf("pull %s: its layers are encrypted: give the private key that decrypts them with --decryption-key", named)
	}
	if err != nil {
		s.dropLayers(pulled)
		return "", categorizeRegistryError(fmt.Errorf("pull %s: %w", named, err))
	}
	_, img, err := istorage.ResolveReference(dstRef)
	if err != nil {
		return "", fmt.Errorf("find pulled image %s: %w", named, err)
	}
	return img.ID, nil
}

// categorizeRegistryError marks a registry's "no such image" answers as
// errdefs.ErrNotFound.
func categorizeRegistryError(err error) error {
	msg := err.Error()
	for _, s := range []string{"manifest unknown", "name unknown", "repository name not known", "not found"} {
		if strings.Contains(msg, s) {
			return errdefs.NotFound(err)
		}
	}
	return err
}

// applyPlatform sets the OS, architecture and variant to choose from a
// multi-platform image.
func applyPlatform(sys *types.SystemContext, platform string) error {
	if platform == "" {
		return nil
	}
	parts := strings.Split(platform, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return errdefs.InvalidArgumentf("platform %q: want os/arch[/variant]", platform)
	}
	sys.OSChoice, sys.ArchitectureChoice = parts[0], parts[1]
	if len(parts) == 3 {
		sys.VariantChoice = parts[2]
	}
	return nil
}

// applyChoice overrides the parts of the platform choice that are given.
func applyChoice(sys *types.SystemContext, os, arch, variant string) {
	if os != "" {
		sys.OSChoice = os
	}
	if arch != "" {
		sys.ArchitectureChoice = arch
	}
	if variant != "" {
		sys.VariantChoice = variant
	}
}
