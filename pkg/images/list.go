package images

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/containers/image/v5/docker/reference"
	cstorage "github.com/containers/storage"
)

// ImageSummary is one local image as `pod images` lists it.
type ImageSummary struct {
	ID          string
	RepoTags    []string // fully qualified names with tag
	RepoDigests []string // repository@digest for every known manifest digest
	Digest      string   // digest of the image's manifest
	Created     time.Time
	Size        int64 // bytes on disk: all layers and metadata
	Labels      map[string]string
	Containers  int  // storage containers made from the image
	Dangling    bool // the image has no name
	// History is every name the image has had, most recently set first
	// (storage's names history: kept when a tag moves away or is removed).
	History []string
	// Intermediate marks an untagged image whose top layer is a parent of
	// another image's layers (what a build leaves); `images` hides these
	// unless asked for all.
	Intermediate bool
}

// ListImagesOptions select the images ListImages returns.
type ListImagesOptions struct {
	// All includes intermediate images.
	All bool
	// Filters are "key=value" strings: dangling=, label=, reference=,
	// before=, since=, id=, until=.
	Filters []string
}

// ListImages returns local images, newest first.
func (r *Service) ListImages(ctx context.Context, opts ListImagesOptions) ([]ImageSummary, error) {
	filter, err := r.compileImageFilters(ctx, opts.Filters, listFilterKeys)
	if err != nil {
		return nil, err
	}
	all, err := r.imageSummaries(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if s.Intermediate && !opts.All {
			continue
		}
		ok, err := filter(ctx, r, &s)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		// Like Docker, a reference filter shows only the names it matched.
		if refs := referenceFilters(opts.Filters); len(refs) > 0 {
			var names []string
			for _, n := range s.RepoTags {
				for _, p := range refs {
					if matchReference(p, []string{n}) {
						names = append(names, n)
						break
					}
				}
			}
			s.RepoTags = names
		}
		out = append(out, s)
	}
	return out, nil
}

// referenceFilters returns the patterns of reference= filters.
func referenceFilters(filters []string) []string {
	var out []string
	for _, f := range filters {
		if p, ok := strings.CutPrefix(f, "reference="); ok {
			out = append(out, p)
		}
	}
	return out
}

// imageSummaries describes every image in the store, newest first. Labels
// are read lazily by the filters that need them (see summaryLabels).
func (r *Service) imageSummaries(ctx context.Context) ([]ImageSummary, error) {
	images, err := r.store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	layers, err := r.store.Layers()
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	containers, err := r.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	users := map[string]int{}
	for _, c := range containers {
		users[c.ImageID]++
	}
	hasChild := layersWithChildren(layers)
	// A build step that changes only the configuration makes an image on
	// its parent's top layer: the earlier images on a shared top layer are
	// parents of the latest one.
	latestOnLayer := map[string]time.Time{}
	for _, img := range images {
		if t, ok := latestOnLayer[img.TopLayer]; !ok || img.Created.After(t) {
			latestOnLayer[img.TopLayer] = img.Created
		}
	}
	out := make([]ImageSummary, 0, len(images))
	for i := range images {
		img := &images[i]
		size, err := r.store.ImageSize(img.ID)
		if err != nil {
			size = -1 // a layer vanished under us; still list the image
		}
		s := ImageSummary{
			ID:          img.ID,
			RepoTags:    append([]string(nil), img.Names...),
			History:     append([]string(nil), img.NamesHistory...),
			RepoDigests: repoDigests(img),
			Digest:      img.Digest.String(),
			Created:     img.Created,
			Size:        size,
			Containers:  users[img.ID],
			Dangling:    len(img.Names) == 0,
		}
		s.Intermediate = s.Dangling && img.TopLayer != "" &&
			(hasChild[img.TopLayer] || img.Created.Before(latestOnLayer[img.TopLayer]))
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// layersWithChildren marks every layer that another layer is built on.
func layersWithChildren(layers []cstorage.Layer) map[string]bool {
	m := make(map[string]bool, len(layers))
	for _, l := range layers {
		if l.Parent != "" {
			m[l.Parent] = true
		}
	}
	return m
}

// repoDigests pairs each repository the image is named in with each of
// its manifest digests, as podman's RepoDigests.
func repoDigests(img *cstorage.Image) []string {
	seen := map[string]bool{}
	var out []string
	for _, name := range img.Names {
		named, err := reference.ParseNormalizedNamed(name)
		if err != nil {
			continue
		}
		repo := reference.TrimNamed(named).String()
		digests := img.Digests
		if len(digests) == 0 && img.Digest != "" {
			digests = append(digests, img.Digest)
		}
		for _, d := range digests {
			rd := repo + "@" + d.String()
			if !seen[rd] {
				seen[rd] = true
				out = append(out, rd)
			}
		}
	}
	return out
}

// IsDigestedName reports whether a stored image name is repository@digest,
// the name storage records for an image pulled by digest: a tag-less name
// that lists show as <none> only when the image has no tag in that
// repository, and that RepoTags never hold (RepoDigests do).
func IsDigestedName(name string) bool {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return false
	}
	_, tagged := named.(reference.Tagged)
	_, digested := named.(reference.Digested)
	return digested && !tagged
}

// taggedNames is names without the digested ones (IsDigestedName).
func taggedNames(names []string) []string {
	var out []string
	for _, n := range names {
		if !IsDigestedName(n) {
			out = append(out, n)
		}
	}
	return out
}

// SplitName splits a stored name into repository and tag ("<none>" for
// what is missing), as the REPOSITORY and TAG columns show it.
func SplitName(name string) (repo, tag string) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return name, "<none>"
	}
	repo, tag = reference.TrimNamed(named).String(), "<none>"
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	return repo, tag
}

// summaryLabels reads and caches an image's labels.
func (r *Service) summaryLabels(ctx context.Context, s *ImageSummary) (map[string]string, error) {
	if s.Labels != nil {
		return s.Labels, nil
	}
	cfg, err := r.store.ImageConfig(ctx, s.ID)
	if err != nil {
		// A manifest list has no configuration, so no labels.
		if _, lerr := r.store.LookupManifestList(s.ID); lerr == nil {
			s.Labels = map[string]string{}
			return s.Labels, nil
		}
		return nil, err
	}
	s.Labels = cfg.Config.Labels
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	return s.Labels, nil
}

// WithLabels fills in Labels of every summary (for output that shows them).
func (r *Service) WithLabels(ctx context.Context, list []ImageSummary) error {
	for i := range list {
		if _, err := r.summaryLabels(ctx, &list[i]); err != nil {
			return err
		}
	}
	return nil
}

// shortID is the 12-character form of an image ID.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
