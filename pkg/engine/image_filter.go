package engine

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/containers/image/v5/docker/reference"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// imageFilterFunc reports whether an image passes all filters.
type imageFilterFunc func(ctx context.Context, r *Runtime, s *ImageSummary) (bool, error)

var (
	listFilterKeys  = []string{"dangling", "label", "reference", "before", "since", "id", "until"}
	pruneFilterKeys = []string{"label", "until"}
)

// compileImageFilters parses "key=value" filters. Filters with the same key
// are alternatives (any may match: reference=a --filter reference=b);
// different keys must all match. Label filters must all match, as in
// podman.
func (r *Runtime) compileImageFilters(ctx context.Context, filters []string, allowed []string) (imageFilterFunc, error) {
	byKey := map[string][]func(ctx context.Context, r *Runtime, s *ImageSummary) (bool, error){}
	var keys []string
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok || value == "" && key != "label" {
			return nil, fmt.Errorf("invalid filter %q: want key=value: %w", f, errdefs.ErrInvalidArg)
		}
		if !contains(allowed, key) {
			return nil, fmt.Errorf("invalid filter %q: unknown key %q (valid: %s): %w", f, key, strings.Join(allowed, ", "), errdefs.ErrInvalidArg)
		}
		fn, err := r.imageFilter(ctx, key, value)
		if err != nil {
			return nil, fmt.Errorf("invalid filter %q: %w", f, err)
		}
		if key == "label" {
			key = "label=" + value // every label filter must match
		}
		if _, seen := byKey[key]; !seen {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], fn)
	}
	return func(ctx context.Context, r *Runtime, s *ImageSummary) (bool, error) {
		for _, k := range keys {
			any := false
			for _, fn := range byKey[k] {
				ok, err := fn(ctx, r, s)
				if err != nil {
					return false, err
				}
				if ok {
					any = true
					break
				}
			}
			if !any {
				return false, nil
			}
		}
		return true, nil
	}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r *Runtime) imageFilter(ctx context.Context, key, value string) (func(ctx context.Context, r *Runtime, s *ImageSummary) (bool, error), error) {
	switch key {
	case "dangling":
		want, err := strconv.ParseBool(value)
		if err != nil {
			return nil, fmt.Errorf("dangling takes true or false: %w", errdefs.ErrInvalidArg)
		}
		return func(_ context.Context, _ *Runtime, s *ImageSummary) (bool, error) { return s.Dangling == want, nil }, nil
	case "label":
		k, v, hasValue := strings.Cut(value, "=")
		return func(ctx context.Context, r *Runtime, s *ImageSummary) (bool, error) {
			labels, err := r.summaryLabels(ctx, s)
			if err != nil {
				return false, err
			}
			got, ok := labels[k]
			return ok && (!hasValue || got == v), nil
		}, nil
	case "reference":
		return func(_ context.Context, _ *Runtime, s *ImageSummary) (bool, error) {
			return matchReference(value, s.RepoTags), nil
		}, nil
	case "id":
		return func(_ context.Context, _ *Runtime, s *ImageSummary) (bool, error) {
			return strings.HasPrefix(s.ID, strings.TrimPrefix(value, "sha256:")), nil
		}, nil
	case "before", "since":
		img, err := r.lookupImage(value)
		if err != nil {
			return nil, err
		}
		ref := img.Created
		before := key == "before"
		return func(_ context.Context, _ *Runtime, s *ImageSummary) (bool, error) {
			if before {
				return s.Created.Before(ref), nil
			}
			return s.Created.After(ref), nil
		}, nil
	case "until":
		t, err := parseUntil(value, time.Now())
		if err != nil {
			return nil, err
		}
		return func(_ context.Context, _ *Runtime, s *ImageSummary) (bool, error) { return s.Created.Before(t), nil }, nil
	}
	return nil, fmt.Errorf("unknown filter %q: %w", key, errdefs.ErrInvalidArg)
}

// parseUntil reads an until= value: a Unix timestamp, an RFC 3339 time or
// a duration before now ("24h").
func parseUntil(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("until %q: want a duration (24h), a Unix time or an RFC 3339 time: %w", v, errdefs.ErrInvalidArg)
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
