package engine

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/filters"
)

// podFilterKeys are the keys `pod pod ls --filter` takes, as podman.
var podFilterKeys = []string{"id", "name", "label", "label!", "status", "ctr-names", "ctr-ids", "ctr-status", "ctr-number", "until"}

var podStatuses = []string{"created", "running", "degraded", "paused", "exited", "stopped", "dead", "error"}

var ctrStatuses = []string{"created", "initialized", "running", "paused", "stopping", "exited", "removing"}

// PodFilter is a parsed set of `pod pod ls --filter` arguments: values of
// one key are alternatives, different keys must all match.
type PodFilter struct {
	args      filters.Args
	names     []*regexp.Regexp
	ctrNames  []*regexp.Regexp
	window    filters.Window
	numbers   []int
	hasFilter bool
}

// ParsePodFilter parses --filter arguments; an unknown key or a bad value
// is errdefs.ErrInvalidArg.
func ParsePodFilter(in []string, now time.Time) (*PodFilter, error) {
	args, err := filters.Parse(in, podFilterKeys...)
	if err != nil {
		return nil, err
	}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	f := &PodFilter{args: args, hasFilter: len(in) > 0}
	if f.names, err = filters.Regexps(args, "name"); err != nil {
		return nil, err
	}
	if f.ctrNames, err = filters.Regexps(args, "ctr-names"); err != nil {
		return nil, err
	}
	for _, s := range filters.Values(args, "status") {
		if !slices.Contains(podStatuses, strings.ToLower(s)) {
			return nil, filters.Invalid("status", s, "use one of %s", strings.Join(podStatuses, ", "))
		}
	}
	for _, s := range filters.Values(args, "ctr-status") {
		if !slices.Contains(ctrStatuses, s) {
			return nil, filters.Invalid("ctr-status", s, "use one of %s", strings.Join(ctrStatuses, ", "))
		}
	}
	for _, s := range filters.Values(args, "ctr-number") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, filters.Invalid("ctr-number", s, "not a number of containers")
		}
		f.numbers = append(f.numbers, n)
	}
	if f.window, err = filters.Created(args, now, nil); err != nil {
		return nil, err
	}
	return f, nil
}

// Match reports whether the pod passes every filter.
func (f *PodFilter) Match(p *ListedPod) bool {
	if f == nil || !f.hasFilter {
		return true
	}
	a := f.args
	anyCtr := func(match func(c *Container) bool) bool { return slices.ContainsFunc(p.Containers, match) }
	return filters.MatchIDPrefix(a, "id", p.ID) &&
		filters.MatchRegexps(f.names, p.Name) &&
		filters.MatchLabels(a, p.Labels) &&
		filters.MatchAny(a, "status", func(s string) bool { return strings.EqualFold(s, p.Status) }) &&
		(len(f.ctrNames) == 0 || anyCtr(func(c *Container) bool { return filters.MatchRegexps(f.ctrNames, c.Name) })) &&
		filters.MatchAny(a, "ctr-ids", func(id string) bool { return anyCtr(func(c *Container) bool { return strings.HasPrefix(c.ID, id) }) }) &&
		filters.MatchAny(a, "ctr-status", func(s string) bool { return anyCtr(func(c *Container) bool { return string(c.Status) == s }) }) &&
		(len(f.numbers) == 0 || slices.Contains(f.numbers, len(p.Containers))) &&
		f.window.Contains(p.CreatedAt)
}
