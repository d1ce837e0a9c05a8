package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// PodCloneOptions are `pod pod clone`'s flags.
type PodCloneOptions struct {
	Name    string // default: the pod's name + "-clone"
	Destroy bool   // remove the original pod once the clone exists
	Start   bool   // start the clone
	// Override, when set, changes the new pod's settings (taken from the
	// original) before it is made: clone's create flags.
	Override func(*PodCreateOptions)
}

// ClonePod makes a new pod with the original's settings (namespaces,
// hostname unless it was the pod's name, labels, cgroup parent, exit
// policy, volumes, security options, infra image and command, networks,
// published ports, DNS and hosts; not a static IP or MAC, which would
// clash) and a copy of each of its containers, named NAME-clone, joined to
// the new pod. A failure to make the clone removes it again; with Destroy
// the original is removed once the clone is made, before Start starts it.
func (r *Runtime) ClonePod(ctx context.Context, idOrName string, o PodCloneOptions) (_ *Pod, err error) {
	old, members, err := r.PodMembers(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	po := PodCreateOptions{
		Name:         o.Name,
		NoInfra:      old.InfraID == "",
		InfraImage:   old.Config.InfraImage,
		CgroupParent: old.Config.CgroupParent,
		ExitPolicy:   old.Config.ExitPolicy,
		Volumes:      old.Config.Volumes,
		SecurityOpt:  old.Config.SecurityOpt,
		VolumesFrom:  old.Config.VolumesFrom,
		Devices:      old.Config.Devices,
		ShmSize:      old.Config.ShmSize,

		NoShareParent:      old.Config.NoShareParent,
		BaseResources:      old.Config.Resources,
		InfraConmonPidFile: old.Config.InfraConmonPidFile,
	}
	if po.Name == "" {
		po.Name = old.Name + "-clone"
	}
	if !po.NoInfra {
		share := strings.Join(old.Config.Share, ",")
		if share == "" {
			share = "none"
		}
		po.Share = &share
	}
	if h := old.Config.Hostname; h != old.Name {
		po.Hostname = h
	}
	for k, v := range old.Labels {
		po.Labels = append(po.Labels, k+"="+v)
	}
	if len(old.Config.InfraCommand) > 0 {
		b, err := json.Marshal(old.Config.InfraCommand)
		if err != nil {
			return nil, err
		}
		cmd := string(b)
		po.InfraCommand = &cmd
	}
	var infra *Container
	if old.InfraID != "" {
		if infra, err = r.Container(ctx, old.InfraID); err != nil {
			return nil, err
		}
	}
	if infra != nil {
		ic := infra.Config
		po.PID, po.UTS = hostOrEmpty(ic.PidMode), hostOrEmpty(ic.UtsMode)
		for k, v := range ic.Sysctls {
			po.Sysctls = append(po.Sysctls, k+"="+v)
		}
		switch {
		case ic.UsernsMode == "private":
			po.UIDMap, po.GIDMap = idMapFlags(ic.UIDMap), idMapFlags(ic.GIDMap)
		case ic.UsernsMode != "":
			po.UserNS = ic.UsernsMode
		}
	}
	if infra != nil && old.Shares("net") {
		nc := infra.Config
		po.Networks = old.Config.Networks
		po.DNS, po.DNSSearch, po.DNSOptions, po.AddHosts = nc.DNS, nc.DNSSearch, nc.DNSOptions, nc.AddHosts
		for _, pm := range nc.Ports {
			for k := 0; k < pm.Count(); k++ {
				s := fmt.Sprintf("%d:%d/%s", int(pm.HostPort)+k, int(pm.ContainerPort)+k, pm.Protocol)
				if pm.HostPort == 0 {
					s = strconv.Itoa(int(pm.ContainerPort)+k) + "/" + pm.Protocol
				} else if pm.HostIP != "" {
					s = net.JoinHostPort(pm.HostIP, strconv.Itoa(int(pm.HostPort)+k)) + ":" + fmt.Sprintf("%d/%s", int(pm.ContainerPort)+k, pm.Protocol)
				}
				po.Publish = append(po.Publish, s)
			}
		}
	}
	if o.Override != nil {
		o.Override(&po)
	}
	p, err := r.CreatePod(ctx, po)
	if err != nil {
		return nil, fmt.Errorf("clone pod %s: %w", old.Name, err)
	}
	made := false
	defer func() {
		if err == nil || made {
			return
		}
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if rerr := r.RemovePod(uctx, p.ID, PodRemoveOptions{Force: true}); rerr != nil {
			logrus.Warnf("undo clone of pod %s: %v", old.Name, rerr)
		}
	}()
	for _, c := range members { // in the order they were made
		if err := r.cloneMember(ctx, c, old, p); err != nil {
			return nil, fmt.Errorf("clone pod %s: container %s: %w", old.Name, c.Name, err)
		}
	}
	made = true
	// The original goes before the clone starts: its ports and names are
	// free then. From here on the clone stays, whatever fails: it is what
	// the user asked for.
	if o.Destroy {
		if rerr := r.RemovePod(ctx, old.ID, PodRemoveOptions{Force: true}); rerr != nil {
			return p, fmt.Errorf("pod %s cloned as %s, but not removed: %w", old.Name, p.Name, rerr)
		}
	}
	if o.Start {
		if _, serr := r.StartPod(ctx, p.ID); serr != nil {
			return p, fmt.Errorf("pod %s cloned as %s, but not started: %w", old.Name, p.Name, serr)
		}
	}
	return p, nil
}

// cloneMember copies container c of pod old into pod p: its configuration
// with the namespaces it took from old's infra container now p's, and the
// pod's hostname.
func (r *Runtime) cloneMember(ctx context.Context, c *Container, old, p *Pod) error {
	b, err := json.Marshal(c.Config)
	if err != nil {
		return err
	}
	var cfg ContainerConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return err
	}
	from, to := netModeCtrPfx+old.InfraID, netModeCtrPfx+p.InfraID
	for _, m := range []*string{&cfg.NetworkMode, &cfg.IpcMode, &cfg.PidMode, &cfg.UtsMode} {
		if old.InfraID != "" && *m == from {
			*m = to
		}
	}
	if p.Shares("uts") {
		cfg.Hostname = p.Config.Hostname
	}
	// The member runs in the new infra container's user namespace, which
	// may map other IDs (auto) or be another (clone --userns).
	user := cfg.User
	if strings.HasPrefix(cfg.UsernsMode, netModeCtrPfx) {
		if cfg.KeepID != nil && cfg.User == fmt.Sprintf("%d:%d", cfg.KeepID.UID, cfg.KeepID.GID) {
			user, cfg.User = "", ""
		}
		cfg.UIDMap, cfg.GIDMap, cfg.KeepID, cfg.UsernsMode = nil, nil, nil, ""
	}
	if cfg.UsernsMode == "" {
		if err := r.podUserNS(ctx, p.InfraID, &cfg, user); err != nil {
			return err
		}
	}
	if p.Config.CgroupPath != "" && !p.Config.NoShareParent {
		cfg.CgroupParent = p.Config.CgroupPath
	} else if cfg.CgroupParent == old.Config.CgroupPath && old.Config.CgroupPath != "" {
		cfg.CgroupParent = p.Config.CgroupParent
	}
	cfg.CreatedAt = time.Now()
	row, made, err := r.addContainer(ctx, &cfg, c.Name+"-clone", p.ID)
	if err != nil {
		return err
	}
	if err := r.createStorage(ctx, row, &cfg); err != nil {
		uctx := context.WithoutCancel(ctx)
		if rmErr := r.db.Remove(uctx, row.ID); rmErr != nil {
			logrus.Warnf("undo clone of %s: %v", c.Name, rmErr)
		}
		r.removeVolumesMade(uctx, made)
		return err
	}
	r.saveRecord(row)
	r.containerEvent(ctx, row, "create")
	return nil
}

func hostOrEmpty(mode string) string {
	if mode == "host" {
		return mode
	}
	return ""
}

// idMapFlags writes maps back as --uidmap values.
func idMapFlags(maps []specs.LinuxIDMapping) []string {
	var out []string
	for _, m := range maps {
		out = append(out, fmt.Sprintf("%d:%d:%d", m.ContainerID, m.HostID, m.Size))
	}
	return out
}
