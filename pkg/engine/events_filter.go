package engine

import (
	"fmt"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// eventFilterKeys are the --filter keys of `pod events`, as podman's.
var eventFilterKeys = []string{"container", "event", "image", "label", "network", "status", "type", "volume"}

var eventTypes = []string{EventTypeContainer, EventTypeImage, EventTypeVolume, EventTypeNetwork}

// dockerActions are Docker's names of actions podman (and pod) names
// otherwise, so that a filter written for Docker selects the same events.
var dockerActions = map[string]string{"die": "died", "destroy": "remove", "delete": "remove"}

// compileEventFilters parses KEY=VALUE filters as podman's events takes
// them: several values of one key are alternatives, different keys must
// all match. event= and status= are one key.
func compileEventFilters(filters []string) (func(*Event) bool, error) {
	byKey := map[string][]func(*Event) bool{}
	var keys []string
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok || value == "" {
			return nil, invalidf("invalid filter %q: want KEY=VALUE", f)
		}
		if !contains(eventFilterKeys, key) {
			return nil, fmt.Errorf("invalid filter %q: unknown key %q (valid: %s): %w", f, key, strings.Join(eventFilterKeys, ", "), errdefs.ErrInvalidArg)
		}
		if key == "status" {
			key = "event"
		}
		fn, err := eventFilter(key, value)
		if err != nil {
			return nil, fmt.Errorf("invalid filter %q: %w", f, err)
		}
		if _, seen := byKey[key]; !seen {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], fn)
	}
	return func(e *Event) bool {
		for _, k := range keys {
			any := false
			for _, fn := range byKey[k] {
				if fn(e) {
					any = true
					break
				}
			}
			if !any {
				return false
			}
		}
		return true
	}, nil
}

func eventFilter(key, value string) (func(*Event) bool, error) {
	switch key {
	case "container":
		return func(e *Event) bool {
			return e.Type == EventTypeContainer && (e.Name == value || strings.HasPrefix(e.ID, value))
		}, nil
	case "event":
		if a, ok := dockerActions[value]; ok {
			value = a
		}
		return func(e *Event) bool { return e.Status == value }, nil
	case "image":
		return func(e *Event) bool {
			switch e.Type {
			case EventTypeContainer:
				return imageRefMatches(e.Image, value)
			case EventTypeImage:
				return imageRefMatches(e.Name, value) || strings.HasPrefix(strings.TrimPrefix(e.ID, "sha256:"), strings.TrimPrefix(value, "sha256:"))
			}
			return false
		}, nil
	case "label":
		k, v, hasV := strings.Cut(value, "=")
		return func(e *Event) bool {
			got, ok := e.Attributes[k]
			return ok && (!hasV || got == v)
		}, nil
	case "network":
		return func(e *Event) bool {
			return e.Type == EventTypeNetwork && (e.Network == value || (e.Attributes["container"] == "" && strings.HasPrefix(e.ID, value)))
		}, nil
	case "type":
		if !contains(eventTypes, value) {
			return nil, invalidf("unknown event type %q: use %s", value, strings.Join(eventTypes, ", "))
		}
		return func(e *Event) bool { return e.Type == value }, nil
	case "volume":
		return func(e *Event) bool { return e.Type == EventTypeVolume && e.Name == value }, nil
	}
	return nil, invalidf("unknown filter key %q", key)
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
