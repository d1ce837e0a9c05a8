package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
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
	VolumesFrom  []string // --volumes-from: the infra container's, shared with every member
	SecurityOpt  []string
	// UserNSOptions are --userns, --uidmap and --gidmap of the infra
	// container, whose user namespace every member joins.
	UserNSOptions
	// Limits are the pod's cgroup limits (--memory, --cpus, ...), held by
	// the pod's own cgroup; their CgroupParent, Cgroups and CgroupNS are
	// not read (--cgroup-parent is CgroupParent above).
	Limits LimitOptions
	// BaseResources are limits Limits apply over: the original pod's,
	// for clone.
	BaseResources *specs.LinuxResources
	// SubUIDName and SubGIDName are --subuidname and --subgidname: the
	// pod's mappings are NAME's ranges in /etc/subuid and /etc/subgid.
	SubUIDName, SubGIDName string
	// BlkioWeightDevice is --blkio-weight-device DEVICE:WEIGHT.
	BlkioWeightDevice []string
	// NoShareParent is --share-parent=false: members are not placed in
	// the pod's cgroup.
	NoShareParent bool
	// Devices (--device) and ShmSize (--shm-size) are every container's.
	Devices []string
	ShmSize string
	// Sysctls, PID and UTS are the infra container's --sysctl, --pid and
	// --uts: the namespaces it holds for the pod.
	Sysctls  []string
	PID, UTS string
	// InfraConmonPidFile is --infra-conmon-pidfile.
	InfraConmonPidFile string
	// Annotations (KEY=VALUE) go on every container of the pod.
	Annotations []string
	// Replace removes a pod of the same name first.
	Replace bool
	// CreateCommand is the command line that asks for the pod, kept for
	// generate systemd --new.
	CreateCommand []string

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
	if err := o.subIDMaps(); err != nil {
		return nil, err
	}
	cfg := &PodConfig{
		ExitPolicy:         o.ExitPolicy,
		CgroupParent:       o.CgroupParent,
		Volumes:            o.Volumes,
		VolumesFrom:        o.VolumesFrom,
		SecurityOpt:        o.SecurityOpt,
		Networks:           o.Networks,
		InfraImage:         o.InfraImage,
		NoShareParent:      o.NoShareParent,
		Devices:            o.Devices,
		ShmSize:            o.ShmSize,
		InfraConmonPidFile: o.InfraConmonPidFile,
		CreateCommand:      o.CreateCommand,
	}
	for _, a := range o.Annotations {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, invalidf("invalid --annotation %q: use KEY=VALUE", a)
		}
		if cfg.Annotations == nil {
			cfg.Annotations = map[string]string{}
		}
		cfg.Annotations[k] = v
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
		netSet := len(o.Networks) > 0 || len(o.Publish) > 0 || o.IP != "" || o.IP6 != "" || o.MAC != "" ||
			len(o.DNS)+len(o.DNSSearch)+len(o.DNSOptions)+len(o.AddHosts) > 0 || o.NoHosts
		switch {
		case netSet:
			return nil, invalidf("cannot set network options for a pod without an infra container (--infra=false)")
		case o.InfraImage != "" || o.InfraCommand != nil || o.InfraName != "":
			return nil, invalidf("cannot set --infra-image, --infra-command or --infra-name with --infra=false")
		case o.Share != nil && len(share) > 0:
			return nil, invalidf("cannot share namespaces (--share) without an infra container (--infra=false)")
		case o.Hostname != "":
			return nil, invalidf("cannot set --hostname for a pod without an infra container (--infra=false)")
		case len(o.Volumes)+len(o.VolumesFrom) > 0:
			return nil, invalidf("cannot set --volume or --volumes-from for a pod without an infra container (--infra=false)")
		case o.UserNS != "" || len(o.UIDMap)+len(o.GIDMap) > 0:
			return nil, invalidf("cannot set --userns, --uidmap or --gidmap for a pod without an infra container (--infra=false): the infra container holds the pod's user namespace")
		case len(o.Sysctls) > 0 || o.PID != "" || o.UTS != "" || o.InfraConmonPidFile != "":
			return nil, invalidf("cannot set --sysctl, --pid, --uts or --infra-conmon-pidfile for a pod without an infra container (--infra=false)")
		}
		share = nil
	}
	cfg.Share = share
	if userNSSet(o.UserNSOptions) && !slices.Contains(share, "net") {
		return nil, invalidf("--userns, --uidmap and --gidmap need a pod that shares its network namespace (--share net): its containers join the infra container's user namespace through it")
	}
	if o.UTS != "" && slices.Contains(share, "uts") && o.Hostname != "" {
		return nil, invalidf("cannot set --hostname with --uts %s: the pod's hostname is not its own", o.UTS)
	}
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
	if cfg.Resources, err = r.podLimits(o.BaseResources, o.Limits, o.BlkioWeightDevice); err != nil {
		return nil, err
	}
	cfg.Hostname = o.Hostname
	if cfg.Hostname == "" && slices.Contains(cfg.Share, "uts") && o.UTS == "" {
		// The pod's name, as a host name: a name may hold '_' (random
		// ones always do), a host name may not.
		cfg.Hostname = strings.ReplaceAll(o.Name, "_", "-")
	}
	tag, err := detach.Tag()
	if err != nil {
		return nil, err
	}
	row := &state.Pod{ID: state.NewID(), Name: o.Name, Labels: labels, CreatedAt: time.Now(), Creator: tag}
	if o.CgroupParent != "" {
		// Checked as a container's, before a pod cgroup is named for it.
		if err := specgen.ApplyLimits(&ContainerConfig{}, LimitOptions{CgroupParent: o.CgroupParent}, r.cgroupManager(), true); err != nil {
			return nil, err
		}
	}
	if cfg.Resources != nil {
		// The pod's cgroup is named for its ID; the parent is checked as
		// a container's --cgroup-parent is, with the infra container's.
		cfg.CgroupManager = r.cgroupManager()
		cfg.CgroupPath = podCgroupName(cfg.CgroupManager, o.CgroupParent, row.ID)
		if cfg.CgroupManager == cgroupManagerSystemd && o.CgroupParent == "" && r.Rootless() {
			cfg.CgroupPath = podCgroupName(cfg.CgroupManager, "user.slice", row.ID)
		}
	}
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
		Image:         image,
		Name:          o.InfraName,
		Hostname:      cfg.Hostname,
		Volumes:       o.Volumes,
		VolumesFrom:   o.VolumesFrom,
		SecurityOpt:   o.SecurityOpt,
		UserNSOptions: o.UserNSOptions,
		Limits:        LimitOptions{CgroupParent: o.CgroupParent},
		NamespaceOptions: NamespaceOptions{
			PID: o.PID, UTS: o.UTS, Sysctls: o.Sysctls, Devices: o.Devices, ShmSize: o.ShmSize,
		},
	}
	if cfg.CgroupPath != "" {
		copts.Limits.CgroupParent = cfg.CgroupPath
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

// userNSSet reports whether o asks for a user namespace.
func userNSSet(o UserNSOptions) bool {
	return (o.UserNS != "" && o.UserNS != "host") || len(o.UIDMap)+len(o.GIDMap) > 0
}

// ReadLabelFile reads a --label-file: one KEY=VALUE a line; blank lines
// and lines starting with # are skipped.
func ReadLabelFile(p string) ([]string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, invalidf("read --label-file: %v", err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out, nil
}

// subIDMaps turns --subuidname and --subgidname into --uidmap and
// --gidmap: container IDs from 0 onto NAME's first range.
func (o *PodCreateOptions) subIDMaps() error {
	for _, m := range []struct {
		flag, name, file string
		dst              *[]string
	}{{"--subuidname", o.SubUIDName, "/etc/subuid", &o.UIDMap}, {"--subgidname", o.SubGIDName, "/etc/subgid", &o.GIDMap}} {
		if m.name == "" {
			continue
		}
		if o.UserNS != "" || len(*m.dst) > 0 {
			return invalidf("%s cannot be combined with --userns or its own --uidmap/--gidmap", m.flag)
		}
		b, err := os.ReadFile(m.file)
		if err != nil {
			return invalidf("%s %s: %v", m.flag, m.name, err)
		}
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Split(strings.TrimSpace(line), ":")
			if len(f) != 3 || f[0] != m.name {
				continue
			}
			*m.dst = []string{"0:" + f[1] + ":" + f[2]}
			found = true
			break
		}
		if !found {
			return invalidf("%s %s: no range for %s in %s", m.flag, m.name, m.name, m.file)
		}
	}
	return nil
}
