package engine

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/logs"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/state"
)

// ListOptions select the containers ListContainers returns.
type ListOptions struct {
	All    bool // stopped ones too; otherwise only running (and paused, stopping)
	Latest bool // only the most recently created, in any state
	Last   int  // only the Last most recently created, in any state; <= 0 means no limit
	Filter *ContainerFilter
	Size   bool // compute SizeRw and SizeRootFs (reads the container layer)
}

// ListedContainer is one row of `pod ps`.
type ListedContainer struct {
	*Container
	SizeRw, SizeRootFs int64 // with ListOptions.Size only
	// Health is the healthcheck status of a running container with one
	// (starting, healthy, unhealthy); "" otherwise.
	Health string
	// Ports are the ports a running container publishes; Networks the
	// networks it is configured for (see fillNetworks).
	Ports    []network.PortMapping
	Networks []string
}

// ListContainers lists containers newest first: one DB query, a liveness
// check of rows that claim to run, and a size scan only when asked for.
func (r *Runtime) ListContainers(ctx context.Context, opts ListOptions) ([]*ListedContainer, error) {
	all, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	f := opts.Filter
	if f == nil {
		f = &ContainerFilter{}
	}
	if err := f.resolve(all); err != nil {
		return nil, err
	}
	showAll := opts.All || opts.Latest || opts.Last > 0 || f.impliesAll()
	var out []*ListedContainer
	for _, c := range all {
		if !showAll && !runningLike(c.Status) {
			continue
		}
		if !f.Match(c) {
			continue
		}
		out = append(out, &ListedContainer{Container: c})
	}
	switch {
	case opts.Latest && len(out) > 1:
		out = out[:1]
	case opts.Last > 0 && len(out) > opts.Last:
		out = out[:opts.Last]
	}
	r.fillHealth(ctx, out)
	r.fillNetworks(out)
	if opts.Size {
		for _, lc := range out {
			lc.SizeRw, lc.SizeRootFs = r.containerSizes(lc.ID, lc.ImageID)
		}
	}
	return out, nil
}

// runningLike is what `ps` without -a shows: containers with a process.
func runningLike(s state.Status) bool {
	return s == state.StatusRunning || s == state.StatusPaused || s == state.StatusStopping
}

// containerSizes returns the container layer's size and that plus the
// image's. Sizes are informational: a failure reads as 0, as in podman.
func (r *Runtime) containerSizes(id, imageID string) (rw, rootfs int64) {
	st, err := r.storage()
	if err != nil {
		return 0, 0
	}
	rw, err = st.ContainerSize(id)
	if err != nil || rw < 0 {
		rw = 0
	}
	img, err := st.ImageSize(imageID)
	if err != nil || img < 0 {
		img = 0
	}
	return rw, rw + img
}

// ContainerFilter is a parsed set of --filter KEY=VALUE arguments. Values
// of one key are alternatives (any may match); different keys must all
// match, as in Docker.
type ContainerFilter struct {
	ids       []string
	names     []*regexp.Regexp
	labels    []labelMatch
	statuses  []state.Status
	exited    []int
	ancestors []string
	before    []string
	since     []string
	until     []time.Time

	// Resolved from before/since against the listed containers.
	beforeT, sinceT []time.Time
}

type labelMatch struct {
	key, value string
	hasValue   bool
	negate     bool // label!=...
}

// Filter keys `pod ps --filter` accepts.
var psFilterKeys = []string{"id", "name", "label", "label!", "status", "exited", "ancestor", "before", "since", "until"}

// psStatuses are the status= values Docker accepts; restarting and dead
// never occur in pod but are valid to ask for.
var psStatuses = []string{"created", "initialized", "restarting", "running", "removing", "paused", "exited", "dead", "stopping"}

// ParseContainerFilter parses --filter arguments. now anchors until=
// durations. An unknown key or a bad value is errdefs.ErrInvalidArg.
func ParseContainerFilter(args []string, now time.Time) (*ContainerFilter, error) {
	f := &ContainerFilter{}
	for _, a := range args {
		key, value, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q: want KEY=VALUE: %w", a, errdefs.ErrInvalidArg)
		}
		switch key {
		case "id":
			f.ids = append(f.ids, value)
		case "name":
			re, err := regexp.Compile(value)
			if err != nil {
				return nil, fmt.Errorf("invalid filter %q: %v: %w", a, err, errdefs.ErrInvalidArg)
			}
			f.names = append(f.names, re)
		case "label", "label!":
			k, v, hasValue := strings.Cut(value, "=")
			f.labels = append(f.labels, labelMatch{key: k, value: v, hasValue: hasValue, negate: key == "label!"})
		case "status":
			if !slices.Contains(psStatuses, value) {
				return nil, fmt.Errorf("invalid filter %q: status must be one of %s: %w", a, strings.Join(psStatuses, ", "), errdefs.ErrInvalidArg)
			}
			f.statuses = append(f.statuses, state.Status(value))
		case "exited":
			n, err := strconv.Atoi(value)
			if err != nil {
				return nil, fmt.Errorf("invalid filter %q: exit code must be a number: %w", a, errdefs.ErrInvalidArg)
			}
			f.exited = append(f.exited, n)
		case "ancestor":
			f.ancestors = append(f.ancestors, value)
		case "before":
			f.before = append(f.before, value)
		case "since":
			f.since = append(f.since, value)
		case "until":
			t, err := logs.ParseTime(value, now)
			if err != nil {
				return nil, fmt.Errorf("invalid filter %q: %v: %w", a, err, errdefs.ErrInvalidArg)
			}
			f.until = append(f.until, t)
		default:
			return nil, fmt.Errorf("invalid filter %q: unknown key %q (use %s): %w", a, key, strings.Join(psFilterKeys, ", "), errdefs.ErrInvalidArg)
		}
	}
	return f, nil
}

// impliesAll: asking for a state that is not running, or an exit code,
// lists stopped containers without -a, as in Docker.
func (f *ContainerFilter) impliesAll() bool {
	return len(f.statuses) > 0 || len(f.exited) > 0
}

// resolve turns before= and since= container references into creation
// times, looked up among all (which holds every container).
func (f *ContainerFilter) resolve(all []*Container) error {
	find := func(ref string) (time.Time, error) {
		for _, c := range all {
			if c.ID == ref || c.Name == ref {
				return c.CreatedAt, nil
			}
		}
		var hit *Container
		for _, c := range all {
			if strings.HasPrefix(c.ID, ref) {
				if hit != nil {
					return time.Time{}, fmt.Errorf("container ID prefix %q is ambiguous: %w", ref, errdefs.ErrInvalidArg)
				}
				hit = c
			}
		}
		if hit == nil {
			return time.Time{}, noSuchContainer(ref)
		}
		return hit.CreatedAt, nil
	}
	f.beforeT, f.sinceT = nil, nil
	for _, ref := range f.before {
		t, err := find(ref)
		if err != nil {
			return fmt.Errorf("filter before=%s: %w", ref, err)
		}
		f.beforeT = append(f.beforeT, t)
	}
	for _, ref := range f.since {
		t, err := find(ref)
		if err != nil {
			return fmt.Errorf("filter since=%s: %w", ref, err)
		}
		f.sinceT = append(f.sinceT, t)
	}
	return nil
}

// Match reports whether c passes every key of the filter.
func (f *ContainerFilter) Match(c *Container) bool {
	return anyOf(f.ids, func(id string) bool { return strings.HasPrefix(c.ID, id) }) &&
		anyOf(f.names, func(re *regexp.Regexp) bool { return re.MatchString(c.Name) }) &&
		f.matchLabels(c.Labels) &&
		anyOf(f.statuses, func(s state.Status) bool { return c.Status == s }) &&
		anyOf(f.exited, func(n int) bool { return c.Status == state.StatusExited && c.ExitCode == n }) &&
		anyOf(f.ancestors, func(a string) bool { return matchAncestor(c, a) }) &&
		allOf(f.beforeT, func(t time.Time) bool { return c.CreatedAt.Before(t) }) &&
		allOf(f.sinceT, func(t time.Time) bool { return c.CreatedAt.After(t) }) &&
		allOf(f.until, func(t time.Time) bool { return c.CreatedAt.Before(t) })
}

// matchLabels: every label= must be present (with its value when given),
// and no label!= may be, as Docker combines them.
func (f *ContainerFilter) matchLabels(labels map[string]string) bool {
	for _, m := range f.labels {
		v, ok := labels[m.key]
		has := ok && (!m.hasValue || v == m.value)
		if has == m.negate {
			return false
		}
	}
	return true
}

// matchAncestor matches the image a container was created from by the name
// the user gave, that name's repository without tag, the full reference
// with a default tag, or an image ID prefix.
func matchAncestor(c *Container, ref string) bool {
	if ref == "" {
		return false
	}
	if strings.HasPrefix(c.ImageID, strings.TrimPrefix(ref, "sha256:")) {
		return true
	}
	name := c.ImageName
	if name == ref {
		return true
	}
	repo := name
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		repo = name[:i]
	}
	if repo == ref || name == ref+":latest" {
		return true
	}
	// A short reference matches the last path elements of a qualified one
	// (busybox matches localhost/busybox:latest).
	return strings.HasSuffix(repo, "/"+ref) || strings.HasSuffix(name, "/"+ref) || strings.HasSuffix(name, "/"+ref+":latest")
}

func anyOf[T any](vals []T, fn func(T) bool) bool {
	if len(vals) == 0 {
		return true
	}
	return slices.ContainsFunc(vals, fn)
}

func allOf[T any](vals []T, fn func(T) bool) bool {
	for _, v := range vals {
		if !fn(v) {
			return false
		}
	}
	return true
}
