package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// volumeFilterFunc reports whether a volume passes all filters.
type volumeFilterFunc func(v *VolumeInfo) bool

var (
	volumeListFilterKeys  = []string{"name", "label", "label!", "dangling", "driver", "scope", "opt", "until"}
	volumePruneFilterKeys = []string{"label", "label!", "until"}
)

// compileVolumeFilters parses KEY=VALUE filters as podman's volume ls and
// prune take them: several values of one key are alternatives (name=a
// --filter name=b), different keys must all match, and every label= and
// label!= filter must hold.
func compileVolumeFilters(filters []string, allowed []string) (volumeFilterFunc, error) {
	byKey := map[string][]volumeFilterFunc{}
	var keys []string
	now := time.Now()
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		// "label!=x" cuts as key "label!", value "x".
		if !ok || (value == "" && key != "label" && key != "label!") {
			return nil, fmt.Errorf("invalid filter %q: want KEY=VALUE: %w", f, errdefs.ErrInvalidArg)
		}
		if !contains(allowed, key) {
			return nil, fmt.Errorf("invalid filter %q: unknown key %q (valid: %s): %w", f, key, strings.Join(allowed, ", "), errdefs.ErrInvalidArg)
		}
		fn, err := volumeFilter(key, value, now)
		if err != nil {
			return nil, fmt.Errorf("invalid filter %q: %w", f, err)
		}
		if key == "label" || key == "label!" {
			key = key + "=" + value // every label filter must hold
		}
		if _, seen := byKey[key]; !seen {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], fn)
	}
	return func(v *VolumeInfo) bool {
		for _, k := range keys {
			any := false
			for _, fn := range byKey[k] {
				if fn(v) {
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

func volumeFilter(key, value string, now time.Time) (volumeFilterFunc, error) {
	switch key {
	case "name":
		// podman matches names as a regular expression, anywhere in the
		// name ("name=data" finds "mydata1").
		re, err := regexp.Compile(value)
		if err != nil {
			return nil, fmt.Errorf("name: %v: %w", err, errdefs.ErrInvalidArg)
		}
		return func(v *VolumeInfo) bool { return re.MatchString(v.Name) }, nil
	case "label", "label!":
		k, val, hasValue := strings.Cut(value, "=")
		if k == "" {
			return nil, fmt.Errorf("%s needs a label key: %w", key, errdefs.ErrInvalidArg)
		}
		want := key == "label"
		return func(v *VolumeInfo) bool {
			got, ok := v.Labels[k]
			return (ok && (!hasValue || got == val)) == want
		}, nil
	case "dangling":
		want, err := strconv.ParseBool(value)
		if err != nil {
			return nil, fmt.Errorf("dangling takes true or false: %w", errdefs.ErrInvalidArg)
		}
		return func(v *VolumeInfo) bool { return (len(v.Containers) == 0) == want }, nil
	case "driver":
		return func(v *VolumeInfo) bool { return v.Driver == value }, nil
	case "scope":
		return func(v *VolumeInfo) bool { return v.Scope == value }, nil
	case "opt":
		k, val, hasValue := strings.Cut(value, "=")
		return func(v *VolumeInfo) bool {
			got, ok := v.Options[k]
			return ok && (!hasValue || got == val)
		}, nil
	case "until":
		t, err := parseUntil(value, now)
		if err != nil {
			return nil, err
		}
		return func(v *VolumeInfo) bool { return v.CreatedAt.Before(t) }, nil
	}
	return nil, fmt.Errorf("unknown filter %q: %w", key, errdefs.ErrInvalidArg)
}
