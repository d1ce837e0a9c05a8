package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/containers/storage/pkg/idtools"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/spec"
)

// Build builds an image from a Dockerfile (images.Service.Build) and
// returns its ID; its RUN steps run as pod containers, removed whatever
// happens.
func (r *Runtime) Build(ctx context.Context, o images.BuildOptions) (string, error) {
	if _, err := r.storage(); err != nil {
		return "", err
	}
	if err := validateBuildRun(o.Run); err != nil {
		return "", err
	}
	if err := r.subordinateMaps(&o.Run); err != nil {
		return "", err
	}
	id, err := r.images.Build(ctx, o, &buildSteps{r: r, run: o.Run})
	if err != nil || o.Output == nil {
		return id, err
	}
	return id, r.writeBuildOutput(ctx, id, o.Output)
}

// validateBuildRun refuses bad RUN-step options before the build starts.
func validateBuildRun(o images.BuildRunOptions) error {
	for _, u := range o.Ulimits {
		if _, err := spec.ParseUlimit(u); err != nil {
			return invalidf("invalid --ulimit %q: %v", u, err)
		}
	}
	for _, v := range o.Volumes {
		if _, err := parseVolume(v); err != nil {
			return err
		}
	}
	if o.NoHosts && len(o.AddHosts) > 0 {
		return invalidf("--no-hosts and --add-host cannot be used together")
	}
	for _, h := range o.AddHosts {
		name, ip, ok := strings.Cut(h, ":")
		if _, err := netip.ParseAddr(strings.Trim(ip, "[]")); !ok || name == "" || err != nil {
			return invalidf("invalid --add-host %q: use NAME:IP", h)
		}
	}
	return nil
}

// subordinateMaps turns --userns-uid-map-user and --userns-gid-map-group
// into ID maps: the user's /etc/subuid and the group's /etc/subgid ranges,
// from container ID 0 up. Those are host IDs, which only root's containers
// can map.
func (r *Runtime) subordinateMaps(o *images.BuildRunOptions) error {
	if o.UIDMapUser == "" && o.GIDMapGroup == "" {
		return nil
	}
	if r.Rootless() {
		return invalidf("--userns-uid-map-user and --userns-gid-map-group need root: a plain user's containers map only its own subordinate IDs (use --userns=auto or --userns-uid-map)")
	}
	if len(o.UIDMap)+len(o.GIDMap) > 0 || o.UserNS != "" {
		return invalidf("--userns-uid-map-user and --userns-gid-map-group cannot be combined with --userns, --userns-uid-map or --userns-gid-map")
	}
	user, group := o.UIDMapUser, o.GIDMapGroup
	if user == "" {
		user = group
	}
	if group == "" {
		group = user
	}
	m, err := idtools.NewIDMappings(user, group)
	if err != nil {
		return invalidf("--userns-uid-map-user %s / --userns-gid-map-group %s: %v", user, group, err)
	}
	for _, u := range m.UIDs() {
		o.UIDMap = append(o.UIDMap, fmt.Sprintf("%d:%d:%d", u.ContainerID, u.HostID, u.Size))
	}
	for _, g := range m.GIDs() {
		o.GIDMap = append(o.GIDMap, fmt.Sprintf("%d:%d:%d", g.ContainerID, g.HostID, g.Size))
	}
	return nil
}

// buildSteps runs a build's RUN steps as pod containers, each with the
// build's RUN options.
type buildSteps struct {
	r   *Runtime
	run images.BuildRunOptions
}

func (b *buildSteps) RunContainer(ctx context.Context, s build.RunSpec) (string, int, error) {
	empty := ""
	opts := CreateOptions{
		Image: s.Image, Pull: "never", Command: s.Args, Entrypoint: &empty,
		Env: s.Env, WorkingDir: s.WorkingDir, User: s.User, Mounts: s.Mounts,
		Labels: []string{"io.pod.build=true"},
		// A build step is not a service: the image's HEALTHCHECK is for
		// the containers run from the result.
		Health: HealthOptions{None: true},
	}
	// The build passes the proxy variables itself (RunEnv), only when its
	// --http-proxy says so: not run's default of passing pod's.
	noProxy := false
	opts.HTTPProxy = &noProxy
	run := b.run
	opts.AddHosts, opts.Ulimits, opts.Volumes = run.AddHosts, run.Ulimits, run.Volumes
	opts.CapAdd, opts.CapDrop, opts.SecurityOpt = run.CapAdd, run.CapDrop, run.SecurityOpt
	opts.DNS, opts.DNSSearch, opts.DNSOptions, opts.NoHosts = run.DNS, run.DNSSearch, run.DNSOptions, run.NoHosts
	opts.IPC, opts.PID, opts.UTS, opts.ShmSize, opts.Devices = run.IPC, run.PID, run.UTS, run.ShmSize, run.Devices
	opts.UserNS, opts.UIDMap, opts.GIDMap = run.UserNS, run.UIDMap, run.GIDMap
	opts.Limits = LimitOptions{
		Memory: run.Memory, MemorySwap: run.MemorySwap, CPUPeriod: run.CPUPeriod, CPUShares: run.CPUShares,
		CPUQuota: run.CPUQuota, CpusetCpus: run.CpusetCpus, CpusetMems: run.CpusetMems,
		CgroupParent: run.CgroupParent, CgroupNS: run.CgroupNS,
	}
	if s.Stdin != nil {
		opts.Interactive = true
	}
	switch {
	case s.Network != "":
		opts.Networks = []string{s.Network}
	case b.run.Network != "":
		opts.Networks = []string{b.run.Network}
	}
	c, err := b.r.Create(ctx, opts)
	if err != nil {
		return "", 0, err
	}
	code, err := b.r.StartAndWait(ctx, c.ID, StartOptions{Attach: true, Stdout: s.Stdout, Stderr: s.Stdout, Stdin: s.Stdin})
	return c.ID, code, err
}

func (b *buildSteps) RemoveContainer(ctx context.Context, id string) error {
	// A step still running was interrupted: no grace period.
	zero := 0
	err := b.r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: &zero, Volumes: true})
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	return err
}
