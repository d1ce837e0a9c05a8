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
	"github.com/pod-engine/pod/pkg/filters"
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
	// External adds the containers of storage that pod does not know
	// (buildah's, another engine's), with the status "storage", as
	// podman's ps --external.
	External bool
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
	// PodName is the name of the pod the container belongs to (PodID).
	PodName string
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
	if opts.External {
		ext, err := r.externalContainers(all)
		if err != nil {
			return nil, err
		}
		for _, c := range ext {
			if f.Match(c) {
				out = append(out, &ListedContainer{Container: c})
			}
		}
	}
	r.fillHealth(ctx, out)
	r.fillNetworks(out)
	r.fillPodNames(ctx, out)
	if opts.Size {
		for _, lc := range out {
			lc.SizeRw, lc.SizeRootFs = r.containerSizes(lc.ID, lc.ImageID)
		}
	}
	return out, nil
}

// StatusExternal is the status ps --external shows for a container of
// storage that pod does not know.
const StatusExternal state.Status = "storage"

// externalContainers lists the storage containers that are none of known.
func (r *Runtime) externalContainers(known []*Container) ([]*Container, error) {
	st, err := r.storage()
	if err != nil {
		return nil, err
	}
	scs, err := st.Containers()
	if err != nil {
		return nil, fmt.Errorf("list storage containers: %w", err)
	}
	ids := map[string]bool{}
	for _, c := range known {
		ids[c.ID] = true
	}
	var out []*Container
	for _, sc := range scs {
		if ids[sc.ID] {
			continue
		}
		name := shortID(sc.ID)
		if len(sc.Names) > 0 {
			name = sc.Names[0]
		}
		row := &state.Container{ID: sc.ID, Name: name, ImageID: sc.ImageID, CreatedAt: sc.Created, Status: StatusExternal}
		out = append(out, &Container{Container: row, Config: &ContainerConfig{ImageID: sc.ImageID}})
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

// ContainerFilter is a parsed set of --filter KEY=VALUE arguments (see
// pkg/filters). Values of one key are alternatives (any may match);
// different keys, and every label= and label!=, must all match, as in
// Docker.
type ContainerFilter struct {
	args     filters.Args
	now      time.Time // anchors until= durations
	names    []*regexp.Regexp
	statuses []state.Status
	exited   []int

	// Resolved from before/since/until against the listed containers.
	window filters.Window
}

// Filter keys `pod ps --filter` accepts.
var psFilterKeys = []string{"id", "name", "label", "label!", "status", "exited", "ancestor", "before", "since", "until", "restart-policy", "should-start-on-boot"}

// restartPolicies are the restart-policy= values (podman's filter).
var restartPolicies = []string{"no", "always", "on-failure", "unless-stopped"}

// psStatuses are the status= values Docker accepts; restarting and dead
// never occur in pod but are valid to ask for.
var psStatuses = []string{"created", "initialized", "restarting", "running", "removing", "paused", "exited", "dead", "stopping"}

// ParseContainerFilter parses --filter arguments. now anchors until=
// durations. An unknown key or a bad value is errdefs.ErrInvalidArg.
func ParseContainerFilter(in []string, now time.Time) (*ContainerFilter, error) {
	args, err := filters.Parse(in, psFilterKeys...)
	if err != nil {
		return nil, err
	}
	f := &ContainerFilter{args: args, now: now}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	if f.names, err = filters.Regexps(args, "name"); err != nil {
		return nil, err
	}
	for _, v := range filters.Values(args, "status") {
		if !slices.Contains(psStatuses, v) {
			return nil, filters.Invalid("status", v, "status must be one of %s", strings.Join(psStatuses, ", "))
		}
		f.statuses = append(f.statuses, state.Status(v))
	}
	for _, v := range filters.Values(args, "restart-policy") {
		if !slices.Contains(restartPolicies, v) {
			return nil, filters.Invalid("restart-policy", v, "restart policy must be one of %s", strings.Join(restartPolicies, ", "))
		}
	}
	for _, v := range filters.Values(args, "should-start-on-boot") {
		if v != "true" && v != "false" {
			return nil, filters.Invalid("should-start-on-boot", v, "should-start-on-boot must be true or false")
		}
	}
	for _, v := range filters.Values(args, "exited") {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, filters.Invalid("exited", v, "exit code must be a number")
		}
		f.exited = append(f.exited, n)
	}
	// Check until= now; before=/since= need the containers (resolve).
	if _, err := filters.Until(args, now); err != nil {
		return nil, err
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
					return time.Time{}, errdefs.InvalidArgumentf("container ID prefix %q is ambiguous", ref)
				}
				hit = c
			}
		}
		if hit == nil {
			return time.Time{}, noSuchContainer(ref)
		}
		return hit.CreatedAt, nil
	}
	var err error
	f.window, err = filters.Created(f.args, f.now, find)
	return err
}

// Match reports whether c passes every key of the filter.
func (f *ContainerFilter) Match(c *Container) bool {
	return filters.MatchIDPrefix(f.args, "id", c.ID) &&
		filters.MatchRegexps(f.names, c.Name) &&
		filters.MatchLabels(f.args, c.Labels) &&
		(len(f.statuses) == 0 || slices.Contains(f.statuses, c.Status)) &&
		(len(f.exited) == 0 || c.Status == state.StatusExited && slices.Contains(f.exited, c.ExitCode)) &&
		filters.MatchAny(f.args, "ancestor", func(a string) bool { return matchAncestor(c, a) }) &&
		filters.MatchAny(f.args, "restart-policy", func(p string) bool { return restartPolicyName(c) == p }) &&
		filters.MatchAny(f.args, "should-start-on-boot", func(v string) bool { return strconv.FormatBool(shouldStartOnBoot(c)) == v }) &&
		f.window.Contains(c.CreatedAt)
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

// restartPolicyName is c's restart policy as the filter names it ("no"
// when none was given).
// shouldStartOnBoot reports whether pod-restart.service starts c after a
// boot (podman's should-start-on-boot filter): --restart=always always,
// unless-stopped when it was not stopped by the user (a reboot keeps that
// mark: the run state the reboot sweeps is the process's, not the user's word).
func shouldStartOnBoot(c *Container) bool {
	switch restartPolicyName(c) {
	case "always":
		return true
	case "unless-stopped":
		return !c.StoppedByUser
	}
	return false
}

func restartPolicyName(c *Container) string {
	if c.Config == nil || c.Config.RestartPolicy.Name == "" {
		return "no"
	}
	return c.Config.RestartPolicy.Name
}
