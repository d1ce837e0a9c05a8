package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/sysregistriesv2"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// SearchOptions are `search`'s.
type SearchOptions struct {
	RegistryOptions
	// Limit is the most results per registry (tags with ListTags); 0 is
	// DefaultSearchLimit.
	Limit int
	// ListTags lists the tags of the repository the term names instead.
	ListTags bool
}

// DefaultSearchLimit is podman's default --limit.
const DefaultSearchLimit = 25

// SearchResult is one repository found (or one tag, with ListTags).
type SearchResult struct {
	Index       string // the registry
	Name        string // registry/repository
	Description string
	Stars       int
	Official    bool
	Automated   bool
	Tag         string // with ListTags
}

// Search looks for repositories whose name contains the term's image part,
// in the registry the term names ("registry.example/name") or else in each
// unqualified-search registry of registries.conf. A registry with the
// Docker Hub search API (/v1/search) is asked through it; others list
// their /v2/_catalog, filtered by the term (containers/image's
// SearchRegistry). A registry that fails is skipped with a warning while
// another answers; when none answers, the first failure is the error.
func (s *Store) Search(ctx context.Context, term string, o SearchOptions) ([]SearchResult, error) {
	sys, err := s.registryContext(o.RegistryOptions)
	if err != nil {
		return nil, err
	}
	if o.Limit <= 0 {
		o.Limit = DefaultSearchLimit
	}
	registries, image, err := s.searchTargets(term)
	if err != nil {
		return nil, err
	}
	if o.ListTags {
		return s.listTags(ctx, registries, image, o)
	}
	var out []SearchResult
	var errs []error
	answered := false
	for _, reg := range registries {
		found, err := docker.SearchRegistry(ctx, sys, reg, image, o.Limit)
		if err != nil {
			errs = append(errs, fmt.Errorf("search %s: %w", reg, err))
			continue
		}
		answered = true
		if len(found) > o.Limit {
			found = found[:o.Limit]
		}
		for _, f := range found {
			name := f.Name
			if !strings.HasPrefix(name, reg+"/") {
				name = reg + "/" + name
			}
			out = append(out, SearchResult{Index: reg, Name: name, Description: f.Description,
				Stars: f.StarCount, Official: f.IsOfficial, Automated: f.IsAutomated})
		}
	}
	if !answered && len(errs) > 0 {
		return nil, errs[0]
	}
	for _, err := range errs {
		logrus.Warn(err)
	}
	return out, nil
}

// searchTargets splits the term into the registries to ask and the name
// to look for.
func (s *Store) searchTargets(term string) ([]string, string, error) {
	term = strings.TrimPrefix(term, "docker://")
	if term == "" {
		return nil, "", errdefs.InvalidArgumentf("search term must not be empty")
	}
	if first, rest, ok := strings.Cut(term, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return []string{first}, rest, nil
	}
	regs, err := sysregistriesv2.UnqualifiedSearchRegistries(s.sys)
	if err != nil {
		return nil, "", fmt.Errorf("registries configuration: %w", err)
	}
	if len(regs) == 0 {
		return nil, "", errdefs.InvalidArgumentf("no registry in %q and no unqualified-search registries configured", term)
	}
	return regs, term, nil
}

// listTags lists the tags of one repository: in the registry named, else
// in the first unqualified-search registry that has it.
func (s *Store) listTags(ctx context.Context, registries []string, image string, o SearchOptions) ([]SearchResult, error) {
	var firstErr error
	for _, reg := range registries {
		named, err := reference.ParseNormalizedNamed(reg + "/" + image)
		if err != nil {
			return nil, errdefs.InvalidArgumentf("--list-tags %s/%s: %v", reg, image, err)
		}
		if !reference.IsNameOnly(named) {
			return nil, errdefs.InvalidArgumentf("--list-tags needs a repository name without a tag or digest, not %q", image)
		}
		ref, err := docker.NewReference(reference.TagNameOnly(named))
		if err != nil {
			return nil, err
		}
		sys, err := s.registryContext(o.RegistryOptions)
		if err != nil {
			return nil, err
		}
		tags, err := docker.GetRepositoryTags(ctx, withReadableAuth(sys, named), ref)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("list tags of %s: %w", named.Name(), err)
			}
			continue
		}
		if len(tags) > o.Limit {
			tags = tags[:o.Limit]
		}
		out := make([]SearchResult, 0, len(tags))
		for _, t := range tags {
			out = append(out, SearchResult{Index: reg, Name: named.Name(), Tag: t})
		}
		return out, nil
	}
	return nil, firstErr
}
