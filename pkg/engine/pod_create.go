package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/detach"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/specgen"
	"github.com/pod-engine/pod/pkg/state"
)

// faultPodCreateRow: pod create added the pod and infra rows, before
// storage has the infra container (see faults.go).
const faultPodCreateRow = "pod-create-row"

// PodCreateOptions are what `pod pod create` was asked for, as typed.
type PodCreateOptions struct {
	Name    string
	NoInfra bool // --infra=false / --no-infra
	// InfraImage and InfraCommand replace the local catatonit image and
	// its command; InfraName names the infra container (default
	// SHORTID-infra).
	InfraImage   string
	InfraCommand *string // a command line or a JSON array; nil: the image's
	InfraName    string
	// Share is --share: a comma-separated list of net, ipc, uts, pid or
	// none; a leading "+" adds to the default (net,ipc,uts). nil: default.
	Share        *string
	Hostname     string
	Labels       []string
	CgroupParent string
	ExitPolicy   string // continue (default) or stop
	Volumes      []string
	SecurityOpt  []string
	UserNS       string
	// Memory and CPUs are pod-wide cgroup limits, which pod does not yet
	// make: given, they are refused.
	Memory string
	CPUs   float64
	// Replace removes a pod of the same name first.
	Replace bool

	NetOptions // --network, -p, --ip, --mac-address, --dns*, --add-host

	// PullProgress receives the pull progress of an --infra-image.
	PullProgress io.Writer
}

var defaultShare = []string{"net", "ipc", "uts"}

// parseShare reads --share.
func parseShare(s *string) ([]string, error) {
	if s == nil {
		return slices.Clone(defaultShare), nil
	}
	v := *s
	out := []string{}
	if strings.HasPrefix(v, "+") {
		out = slices.Clone(defaultShare)
		v = v[1:]
	}
	for _, ns := range strings.Split(v, ",") {
		switch ns = strings.TrimSpace(ns); ns {
		case "":
			continue
		case "none":
			if len(strings.Split(*s, ",")) > 1 {
				return nil, invalidf("invalid --share %q: none cannot be combined with other namespaces", *s)
			}
			return []string{}, nil
		case "net", "ipc", "uts", "pid":
			if !slices.Contains(out, ns) {
				out = append(out, ns)
			}
		case "cgroup", "user":
			return nil, errdefs.NotImplementedf("--share %s: pod shares net, ipc, uts and pid namespaces only", ns)
		default:
			return nil, invalidf("invalid --share %q: %q is not a namespace (use net, ipc, uts, pid or none)", *s, ns)
		}
	}
	return out, nil
}

// validate checks what needs no state: one clear error before anything
// is made.
func (o *PodCreateOptions) validate() (*PodConfig, error) {
	if o.Name != "" {
		if err := state.ValidateName(o.Name); err != nil {
			return nil, err
		}
	}
	if o.Memory != "" || o.CPUs != 0 {
		return nil, errdefs.NotImplementedf("pod-wide --memory and --cpus are not supported: set them on the pod's containers")
	}
	if o.UserNS != "" {
		return nil, errdefs.NotImplementedf("--userns on a pod is not supported: pod containers share the pod's user namespace")
	}
	cfg := &PodConfig{
		ExitPolicy:   o.ExitPolicy,
		CgroupParent: o.CgroupParent,
		Volumes:      o.Volumes,
		SecurityOpt:  o.SecurityOpt,
		Networks:     o.Networks,
		InfraImage:   o.InfraImage,
	}
	switch cfg.ExitPolicy {
	case "":
		cfg.ExitPolicy = "continue"
	case "continue", "stop":
	default:
		return nil, invalidf("invalid --exit-policy %q: use continue or stop", o.ExitPolicy)
	}
	share, err := parseShare(o.Share)
	if err != nil {
		return nil, err
	}
	if o.NoInfra {
		netSet := len(o.Networks) > 0 || len(o.Publish) > 0 || o.IP != "" || o.MAC != "" ||
			len(o.DNS)+len(o.DNSSearch)+len(o.DNSOptions)+len(o.AddHosts) > 0
		switch {
		case netSet:
			return nil, invalidf("cannot set network options for a pod without an infra container (--infra=false)")
		case o.InfraImage != "" || o.InfraCommand != nil || o.InfraName != "":
			return nil, invalidf("cannot set --infra-image, --infra-command or --infra-name with --infra=false")
		case o.Share != nil && len(share) > 0:
			return nil, invalidf("cannot share namespaces (--share) without an infra container (--infra=false)")
		case o.Hostname != "":
			return nil, invalidf("cannot set --hostname for a pod without an infra container (--infra=false)")
		case len(o.Volumes) > 0:
			return nil, invalidf("cannot set --volume for a pod without an infra container (--infra=false)")
		}
		share = nil
	}
	cfg.Share = share
	if !slices.Contains(share, "net") && (len(o.Publish) > 0 || len(o.Networks) > 0) {
		return nil, invalidf("cannot set --publish or --network on a pod that does not share its network namespace")
	}
	if o.InfraCommand != nil {
		if cfg.InfraCommand, err = specgen.ParseEntrypoint(*o.InfraCommand); err != nil {
			return nil, invalidf("invalid --infra-command %q", *o.InfraCommand)
		}
	}
	return cfg, nil
}

// CreatePod makes a pod and its infra container. The pod row and the infra
// container's row are added in one transaction, marked as being made by
// this process until the infra container's storage exists: a pod killed in
// between leaves a half pod that the next command sweeps (Pod, Pods), and a
// failure undoes everything itself.
func (r *Runtime) CreatePod(ctx context.Context, o PodCreateOptions) (*Pod, error) {
	cfg, err := o.validate()
	if err != nil {
		return nil, err
	}
	if _, err := r.storage(); err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = state.RandomName()
	} else if o.Replace {
		if err := r.RemovePod(ctx, o.Name, PodRemoveOptions{Force: true}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return nil, err
		}
	}
	if existing, err := r.db.GetPod(ctx, o.Name); err == nil && existing.Name == o.Name && !r.sweepHalfPod(ctx, existing) {
		return nil, errdefs.AlreadyExistsf("the pod name %q is already in use by %s: remove that pod, or use --replace", o.Name, existing.ID)
	}
	labels, err := parseLabels(o.Labels)
	if err != nil {
		return nil, err
	}
	cfg.Hostname = o.Hostname
	if cfg.Hostname == "" && slices.Contains(cfg.Share, "uts") {
		cfg.Hostname = o.Name
	}
	tag, err := detach.Tag()
	if err != nil {
		return nil, err
	}
	row := &state.Pod{ID: state.NewID(), Name: o.Name, Labels: labels, CreatedAt: time.Now(), Creator: tag}
	var infra *state.Container
	var infraCfg *ContainerConfig
	if !o.NoInfra {
		if infra, infraCfg, err = r.infraContainer(ctx, row, cfg, o); err != nil {
			return nil, err
		}
	}
	if row.Config, err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	if infra != nil {
		// The pod's networks are its infra container's attachments.
		infra.Networks = stateAttachments(infra.ID, infraCfg.Networks)
	}
	if err := r.db.AddPod(ctx, row, infra); err != nil {
		return nil, err
	}
	undo := func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := r.removeHalfPod(uctx, row); err != nil {
			logrus.Warnf("undo create of pod %s: %v", shortID(row.ID), err)
		}
	}
	crashPoint(faultPodCreateRow)
	if infra != nil {
		if err := r.createStorage(ctx, infra, infraCfg); err != nil {
			undo()
			return nil, err
		}
	}
	if err := r.db.PodCreated(ctx, row.ID); err != nil {
		undo()
		return nil, err
	}
	row.Creator = ""
	if infra != nil {
		r.saveRecord(infra)
		r.containerEvent(ctx, infra, "create")
	}
	r.podEvent(ctx, row, "create")
	return &Pod{Pod: row, Config: cfg}, nil
}

// infraContainer builds the infra container's row and config: the pod's
// network, hostname and volumes, running catatonit (or --infra-image).
func (r *Runtime) infraContainer(ctx context.Context, p *state.Pod, cfg *PodConfig, o PodCreateOptions) (*state.Container, *ContainerConfig, error) {
	image := o.InfraImage
	if image == "" {
		var err error
		if image, err = r.ensureInfraImage(ctx); err != nil {
			return nil, nil, err
		}
	}
	copts := CreateOptions{
		Image:       image,
		Name:        o.InfraName,
		Hostname:    cfg.Hostname,
		Volumes:     o.Volumes,
		SecurityOpt: o.SecurityOpt,
		Limits:      LimitOptions{CgroupParent: o.CgroupParent},
	}
	if o.PullProgress != nil {
		copts.PullProgress = o.PullProgress
	}
	if copts.Name == "" {
		copts.Name = shortID(p.ID) + "-infra"
	}
	if slices.Contains(cfg.Share, "net") {
		copts.NetOptions = o.NetOptions
	} else {
		copts.Networks = []string{"private"}
	}
	if !slices.Contains(cfg.Share, "uts") {
		copts.Hostname = ""
	}
	ic, err := r.buildConfig(ctx, copts)
	if err != nil {
		return nil, nil, err
	}
	if len(cfg.InfraCommand) > 0 {
		ic.Entrypoint, ic.Cmd = cfg.InfraCommand, nil
	}
	b, err := json.Marshal(ic)
	if err != nil {
		return nil, nil, err
	}
	return &state.Container{
		ID:        state.NewID(),
		Name:      copts.Name,
		ImageID:   ic.ImageID,
		ImageName: ic.ImageName,
		Command:   strings.Join(append(append([]string(nil), ic.Entrypoint...), ic.Cmd...), " "),
		Labels:    ic.Labels,
		Config:    b,
		CreatedAt: p.CreatedAt,
		Status:    state.StatusCreated,
	}, ic, nil
}

// parseLabels reads KEY=VALUE labels.
func parseLabels(in []string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, l := range in {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, invalidf("invalid label %q: empty key", l)
		}
		out[k] = v
	}
	return out, nil
}
