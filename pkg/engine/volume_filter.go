package engine

import (
	"time"

	"github.com/pod-engine/pod/pkg/filters"
)

// volumeFilterFunc reports whether a volume passes all filters.
type volumeFilterFunc func(v *VolumeInfo) bool

var (
	volumeListFilterKeys  = []string{"name", "label", "label!", "dangling", "driver", "scope", "opt", "until"}
	volumePruneFilterKeys = []string{"label", "label!", "until"}
)

// compileVolumeFilters parses KEY=VALUE filters as podman's volume ls and
// prune take them (see pkg/filters): several values of one key are
// alternatives (name=a --filter name=b), different keys must all match,
// and every label= and label!= filter must hold.
func compileVolumeFilters(in []string, allowed []string) (volumeFilterFunc, error) {
	args, err := filters.Parse(in, allowed...)
	if err != nil {
		return nil, err
	}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	// podman matches names as a regular expression, anywhere in the name
	// ("name=data" finds "mydata1").
	names, err := filters.Regexps(args, "name")
	if err != nil {
		return nil, err
	}
	dangling, byDangling, err := filters.Bool(args, "dangling")
	if err != nil {
		return nil, err
	}
	window, err := filters.Created(args, time.Now(), nil)
	if err != nil {
		return nil, err
	}
	return func(v *VolumeInfo) bool {
		return filters.MatchRegexps(names, v.Name) &&
			filters.MatchLabels(args, v.Labels) &&
			(!byDangling || (len(v.Containers) == 0) == dangling) &&
			filters.MatchAny(args, "driver", func(d string) bool { return v.Driver == d }) &&
			filters.MatchAny(args, "scope", func(s string) bool { return v.Scope == s }) &&
			filters.MatchAny(args, "opt", func(o string) bool { return filters.MatchKV(o, v.Options) }) &&
			window.Contains(v.CreatedAt)
	}, nil
}
