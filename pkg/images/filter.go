package images

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/containers/image/v5/docker/reference"

	"github.com/pod-engine/pod/pkg/filters"
)

// imageFilterFunc reports whether an image passes all filters.
type imageFilterFunc func(ctx context.Context, r *Service, s *ImageSummary) (bool, error)

var (
	listFilterKeys  = []string{"dangling", "label", "reference", "before", "since", "id", "until"}
	pruneFilterKeys = []string{"label", "label!", "until"}
)

// compileImageFilters parses "key=value" filters (see pkg/filters): values
// of one key are alternatives (reference=a --filter reference=b),
// different keys must all match, and so must every label filter.
func (r *Service) compileImageFilters(ctx context.Context, in []string, allowed []string) (imageFilterFunc, error) {
	args, err := filters.Parse(in, allowed...)
	if err != nil {
		return nil, err
	}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	dangling, byDangling, err := filters.Bool(args, "dangling")
	if err != nil {
		return nil, err
	}
	window, err := filters.Created(args, time.Now(), func(ref string) (time.Time, error) {
		img, err := r.lookupImage(ref)
		if err != nil {
			return time.Time{}, err
		}
		return img.Created, nil
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, r *Service, s *ImageSummary) (bool, error) {
		if byDangling && s.Dangling != dangling ||
			!filters.MatchAny(args, "reference", func(p string) bool { return matchReference(p, s.RepoTags) }) ||
			!filters.MatchIDPrefix(args, "id", s.ID) ||
			!window.Contains(s.Created) {
			return false, nil
		}
		if !filters.HasLabels(args) {
			return true, nil
		}
		labels, err := r.summaryLabels(ctx, s)
		if err != nil {
			return false, err
		}
		return filters.MatchLabels(args, labels), nil
	}, nil
}

// matchReference reports whether a reference= pattern (a glob, "*" not
// crossing "/") matches any name. A pattern may name the full reference
// or leave out the registry, the path, or the tag:
// "busybox", "*/busybox:1.*", "127.0.0.1:5000/busybox:latest" all match
// "127.0.0.1:5000/busybox:latest".
func matchReference(pattern string, names []string) bool {
	for _, name := range names {
		for _, form := range nameForms(name) {
			if ok, _ := path.Match(pattern, form); ok {
				return true
			}
		}
	}
	return false
}

// nameForms lists the ways a user may write a stored name: with and
// without registry, with and without tag, and the last path element.
func nameForms(name string) []string {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return []string{name}
	}
	repo := reference.TrimNamed(named).String()
	tag := ""
	if t, ok := named.(reference.Tagged); ok {
		tag = ":" + t.Tag()
	}
	p := reference.Path(named)
	last := p[strings.LastIndex(p, "/")+1:]
	return []string{repo + tag, repo, p + tag, p, last + tag, last}
}
