package engine

import (
	"slices"
	"strings"

	"github.com/pod-engine/pod/pkg/filters"
)

// eventFilterKeys are the --filter keys of `pod events`, as podman's.
var eventFilterKeys = []string{"container", "event", "image", "label", "network", "status", "type", "volume"}

var eventTypes = []string{EventTypeContainer, EventTypeImage, EventTypeVolume, EventTypeNetwork}

// dockerActions are Docker's names of actions podman (and pod) names
// otherwise, so that a filter written for Docker selects the same events.
var dockerActions = map[string]string{"die": "died", "destroy": "remove", "delete": "remove"}

// compileEventFilters parses KEY=VALUE filters as podman's events takes
// them (see pkg/filters): several values of one key are alternatives,
// different keys must all match, every label= must hold. event= and
// status= are one key.
func compileEventFilters(in []string) (func(*Event) bool, error) {
	args, err := filters.Parse(in, eventFilterKeys...)
	if err != nil {
		return nil, err
	}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	for _, v := range args.Get("status") { // read as event= below
		args.Add("event", v)
	}
	for _, t := range filters.Values(args, "type") {
		if !slices.Contains(eventTypes, t) {
			return nil, filters.Invalid("type", t, "unknown event type: use %s", strings.Join(eventTypes, ", "))
		}
	}
	return func(e *Event) bool {
		return filters.MatchAny(args, "container", func(v string) bool {
			return e.Type == EventTypeContainer && (e.Name == v || strings.HasPrefix(e.ID, v))
		}) &&
			filters.MatchAny(args, "event", func(v string) bool {
				if a, ok := dockerActions[v]; ok {
					v = a
				}
				return e.Status == v
			}) &&
			filters.MatchAny(args, "image", func(v string) bool {
				switch e.Type {
				case EventTypeContainer:
					return imageRefMatches(e.Image, v)
				case EventTypeImage:
					return imageRefMatches(e.Name, v) || strings.HasPrefix(strings.TrimPrefix(e.ID, "sha256:"), strings.TrimPrefix(v, "sha256:"))
				}
				return false
			}) &&
			filters.MatchLabels(args, e.Attributes) &&
			filters.MatchAny(args, "network", func(v string) bool {
				return e.Type == EventTypeNetwork && (e.Network == v || (e.Attributes["container"] == "" && strings.HasPrefix(e.ID, v)))
			}) &&
			filters.MatchAny(args, "type", func(v string) bool { return e.Type == v }) &&
			filters.MatchAny(args, "volume", func(v string) bool { return e.Type == EventTypeVolume && e.Name == v })
	}, nil
}

// imageRefMatches reports whether ref, a stored image reference such as
// docker.io/library/alpine:latest, is what the user's name means: the
// reference itself, or it without its registry (and docker.io's
// "library/"), without the ":latest" tag, or without any tag.
func imageRefMatches(ref, name string) bool {
	if ref == "" {
		return false
	}
	if ref == name {
		return true
	}
	short := ref
	if i := strings.Index(short, "/"); i > 0 {
		if first := short[:i]; strings.ContainsAny(first, ".:") || first == "localhost" {
			short = short[i+1:]
		}
	}
	short = strings.TrimPrefix(short, "library/")
	noDigest, _, _ := strings.Cut(short, "@")
	repo := noDigest
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	n := strings.TrimPrefix(name, "library/")
	switch {
	case n == short || n == noDigest:
		return true
	case !hasTag(n) && n == repo: // a name without tag means any tag
		return true
	case !hasTag(noDigest) && n == noDigest+":latest": // stored without tag
		return true
	}
	// A fully qualified name that differs only by an implied ":latest".
	return ref == name+":latest"
}

// hasTag reports whether an image name ends in a :TAG.
func hasTag(name string) bool {
	return strings.LastIndex(name, ":") > strings.LastIndex(name, "/")
}
