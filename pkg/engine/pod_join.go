package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// joinPod applies --pod to opts: the pod's namespaces, cgroup parent,
// volumes and security options. It returns the pod's ID ("" without
// --pod) and an undo that removes a pod made by "new:NAME".
func (r *Runtime) joinPod(ctx context.Context, opts *CreateOptions) (string, func(), error) {
	noop := func() {}
	if opts.Pod == "" {
		return "", noop, nil
	}
	undo := noop
	var p *Pod
	var err error
	if name, ok := strings.CutPrefix(opts.Pod, "new:"); ok {
		// The container's own flags are checked before a pod is made for it.
		if err := checkPodMemberOptions(opts, defaultShare, name); err != nil {
			return "", noop, err
		}
		if p, err = r.CreatePod(ctx, PodCreateOptions{Name: name}); err != nil {
			return "", noop, err
		}
		undo = func() {
			if err := r.RemovePod(context.WithoutCancel(ctx), p.ID, PodRemoveOptions{Force: true}); err != nil {
				logrus.Warnf("undo create of pod %s: %v", p.Name, err)
			}
		}
	} else if p, err = r.Pod(ctx, opts.Pod); err != nil {
		return "", noop, err
	}
	if err := checkPodMemberOptions(opts, p.Config.Share, p.Name); err != nil {
		undo()
		return "", noop, err
	}
	if p.InfraID != "" {
		if p.Shares("net") {
			opts.Networks = []string{netModeCtrPfx + p.InfraID}
		}
		if p.Shares("uts") {
			opts.Hostname = p.Config.Hostname
		}
		if len(p.Config.Volumes)+len(p.Config.VolumesFrom) > 0 {
			opts.VolumesFrom = append([]string{p.InfraID}, opts.VolumesFrom...)
		}
	}
	switch {
	case p.Config.CgroupPath != "" && !p.Config.NoShareParent:
		if opts.Limits.CgroupParent != "" && opts.Limits.CgroupParent != p.Config.CgroupPath {
			undo()
			return "", noop, errPodCgroupParent(p.Name)
		}
		opts.Limits.CgroupParent = p.Config.CgroupPath
	case opts.Limits.CgroupParent == "":
		opts.Limits.CgroupParent = p.Config.CgroupParent
	}
	opts.Devices = append(append([]string(nil), p.Config.Devices...), opts.Devices...)
	if opts.ShmSize == "" {
		opts.ShmSize = p.Config.ShmSize
	}
	opts.SecurityOpt = append(append([]string(nil), p.Config.SecurityOpt...), opts.SecurityOpt...)
	return p.ID, undo, nil
}

// checkPodMemberOptions refuses what a container cannot set for itself in
// a pod that holds the namespace, as podman does.
func checkPodMemberOptions(o *CreateOptions, share []string, pod string) error {
	has := func(ns string) bool {
		for _, s := range share {
			if s == ns {
				return true
			}
		}
		return false
	}
	n := o.NetOptions
	if has("net") {
		switch {
		case len(n.Publish) > 0 || n.PublishAll:
			return invalidf("published ports must be set when the pod is created (pod pod create -p): the network of pod %s is shared by its containers", pod)
		case len(n.Networks) > 0 || n.IP != "" || n.IP6 != "" || n.MAC != "" || len(n.Aliases) > 0:
			return invalidf("networks must be set when the pod is created (pod pod create --network): the network of pod %s is shared by its containers", pod)
		case len(n.DNS)+len(n.DNSSearch)+len(n.DNSOptions)+len(n.AddHosts) > 0:
			return invalidf("--dns and --add-host must be set when the pod is created: the network of pod %s is shared by its containers", pod)
		}
	}
	if has("uts") && o.Hostname != "" {
		return invalidf("cannot set --hostname for a container that shares the UTS namespace of pod %s", pod)
	}
	if o.UserNS != "" || len(o.UIDMap)+len(o.GIDMap) > 0 {
		return invalidf("--userns, --uidmap and --gidmap cannot be set for a container of pod %s: its containers run in the pod's user namespace (pod pod create --userns)", pod)
	}
	return nil
}

// startPodInfra starts the infra container of c's pod when it does not
// run, before c starts: c joins its namespaces.
func (r *Runtime) startPodInfra(ctx context.Context, c *Container) error {
	if c.PodID == "" {
		return nil
	}
	p, err := r.db.GetPod(ctx, c.PodID)
	if err != nil {
		return fmt.Errorf("pod of %s: %w", c.Name, err)
	}
	if p.InfraID == "" || p.InfraID == c.ID {
		return nil
	}
	infra, l, err := r.getLocked(ctx, p.InfraID)
	if err != nil {
		return fmt.Errorf("infra container of pod %s: %w", p.Name, err)
	}
	defer l.Release()
	if isActive(infra.Status) {
		return nil
	}
	if _, err := r.startLocked(ctx, infra, startHow{}); err != nil {
		return fmt.Errorf("start the infra container of pod %s: %w", p.Name, err)
	}
	return nil
}

// podNamespaces are the namespaces besides the network (which NetworkMode
// joins) that c joins from its pod's running infra container.
func (r *Runtime) podNamespaces(ctx context.Context, c *Container) (map[specs.LinuxNamespaceType]string, error) {
	if c.PodID == "" {
		return nil, nil
	}
	row, err := r.db.GetPod(ctx, c.PodID)
	if err != nil {
		return nil, fmt.Errorf("pod of %s: %w", c.Name, err)
	}
	if row.InfraID == "" || row.InfraID == c.ID {
		return nil, nil
	}
	p, err := wrapPod(row)
	if err != nil {
		return nil, err
	}
	infra, err := r.get(ctx, p.InfraID)
	if err != nil {
		return nil, fmt.Errorf("infra container of pod %s: %w", p.Name, err)
	}
	if !isActive(infra.Status) || infra.PID == 0 {
		return nil, errdefs.Conflictf("cannot join pod %s: its infra container is not running", p.Name)
	}
	out := map[specs.LinuxNamespaceType]string{}
	for ns, typ := range map[string]specs.LinuxNamespaceType{"ipc": specs.IPCNamespace, "uts": specs.UTSNamespace, "pid": specs.PIDNamespace} {
		if p.Shares(ns) {
			out[typ] = fmt.Sprintf("/proc/%d/ns/%s", infra.PID, ns)
		}
	}
	return out, nil
}

// refuseInfraRemoval is the error for removing a pod's infra container
// alone; nil for any other container.
func (r *Runtime) refuseInfraRemoval(ctx context.Context, c *Container) error {
	if c.PodID == "" {
		return nil
	}
	p, err := r.db.GetPod(ctx, c.PodID)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.InfraID == c.ID {
		return errdefs.Conflictf("container %s is the infra container of pod %s and cannot be removed without removing the pod", c.ID, p.ID)
	}
	return nil
}

// specHostname is the hostname the runtime sets: none for a container
// that joins its pod's UTS namespace, whose hostname the infra set.
func specHostname(hostname string, join map[specs.LinuxNamespaceType]string) string {
	if _, ok := join[specs.UTSNamespace]; ok {
		return ""
	}
	return hostname
}

// podUserNS gives cfg, a container joining the pod whose infra container
// is infraID, that container's user namespace: its mappings (storage makes
// the member's root filesystem for them; start joins the namespace) and
// keep-id's user, whom the member runs as unless user (--user) is set.
func (r *Runtime) podUserNS(ctx context.Context, infraID string, cfg *ContainerConfig, user string) error {
	if infraID == "" {
		return nil
	}
	infra, err := r.get(ctx, infraID)
	if err != nil {
		return fmt.Errorf("infra container of the pod: %w", err)
	}
	ic := infra.Config
	if len(ic.UIDMap) == 0 {
		return nil
	}
	cfg.UIDMap, cfg.GIDMap = ic.UIDMap, ic.GIDMap
	cfg.UsernsMode = netModeCtrPfx + infra.ID
	cfg.KeepID = nil
	if ic.KeepID != nil {
		k := *ic.KeepID
		cfg.KeepID = &k
		if user == "" {
			cfg.User = fmt.Sprintf("%d:%d", k.UID, k.GID)
		}
	}
	return nil
}

// joinPodConfig gives cfg, a container joining pod podID, what the pod
// sets in a member's configuration itself: its user namespace (podUserNS)
// and its annotations.
func (r *Runtime) joinPodConfig(ctx context.Context, podID string, cfg *ContainerConfig, user string) error {
	row, err := r.db.GetPod(ctx, podID)
	if err != nil {
		return fmt.Errorf("pod %s: %w", shortID(podID), err)
	}
	p, err := wrapPod(row)
	if err != nil {
		return err
	}
	for k, v := range p.Config.Annotations {
		if _, ok := cfg.Annotations[k]; ok {
			continue
		}
		if cfg.Annotations == nil {
			cfg.Annotations = map[string]string{}
		}
		cfg.Annotations[k] = v
	}
	if err := r.podNoHosts(ctx, p, cfg); err != nil {
		return err
	}
	return r.podUserNS(ctx, row.InfraID, cfg, user)
}

// podNoHosts gives cfg, a container joining pod p, the pod's --no-hosts:
// a member of a pod whose network it shares keeps its image's /etc/hosts
// when the pod was made with it, as podman's members do.
func (r *Runtime) podNoHosts(ctx context.Context, p *Pod, cfg *ContainerConfig) error {
	if p.InfraID == "" || !p.Shares("net") || cfg.NoHosts {
		return nil
	}
	infra, err := r.get(ctx, p.InfraID)
	if err != nil {
		return fmt.Errorf("infra container of pod %s: %w", p.Name, err)
	}
	cfg.NoHosts = infra.Config.NoHosts
	return nil
}

// writeInfraConmonPidFile writes the monitor PID of c, a pod's infra
// container that has just started, to the pod's --infra-conmon-pidfile.
// A failure is a warning: the pod runs either way.
func (r *Runtime) writeInfraConmonPidFile(ctx context.Context, c *Container) {
	p := r.infraPod(ctx, c)
	if p == nil || c.MonitorPID <= 0 || p.Config.InfraConmonPidFile == "" {
		return
	}
	if err := os.WriteFile(p.Config.InfraConmonPidFile, []byte(strconv.Itoa(c.MonitorPID)), 0o644); err != nil {
		logrus.Warnf("pod %s: write --infra-conmon-pidfile: %v", p.Name, err)
	}
}

// infraPIDFileWatched reports whether c is the infra container of a pod
// created with --infra-conmon-pidfile.
func (r *Runtime) infraPIDFileWatched(ctx context.Context, c *Container) bool {
	p := r.infraPod(ctx, c)
	return p != nil && p.Config.InfraConmonPidFile != ""
}

// infraPod is the pod whose infra container c is, else nil.
func (r *Runtime) infraPod(ctx context.Context, c *Container) *Pod {
	if c.PodID == "" {
		return nil
	}
	row, err := r.db.GetPod(ctx, c.PodID)
	if err != nil || row.InfraID != c.ID {
		return nil
	}
	p, err := wrapPod(row)
	if err != nil {
		return nil
	}
	return p
}
