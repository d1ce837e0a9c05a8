package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	mobynet "github.com/moby/moby/api/types/network"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// PodInspect is `pod pod inspect`'s document, podman's fields and names.
type PodInspect struct {
	ID               string             `json:"Id"`
	Name             string             `json:"Name"`
	Created          time.Time          `json:"Created"`
	CreateCommand    []string           `json:"CreateCommand,omitempty"`
	ExitPolicy       string             `json:"ExitPolicy"`
	State            string             `json:"State"`
	Hostname         string             `json:"Hostname"`
	Labels           map[string]string  `json:"Labels"`
	CreateCgroup     bool               `json:"CreateCgroup"`
	CgroupParent     string             `json:"CgroupParent,omitempty"`
	CreateInfra      bool               `json:"CreateInfra"`
	InfraContainerID string             `json:"InfraContainerID,omitempty"`
	InfraConfig      *PodInfraConfig    `json:"InfraConfig,omitempty"`
	SharedNamespaces []string           `json:"SharedNamespaces"`
	NumContainers    int                `json:"NumContainers"`
	Containers       []PodInspectMember `json:"Containers"`
	CgroupPath       string             `json:"CgroupPath,omitempty"`

	// The pod's limits, podman's names: those of its cgroup.
	CPUPeriod           uint64              `json:"cpu_period,omitempty"`
	CPUQuota            int64               `json:"cpu_quota,omitempty"`
	CPUShares           uint64              `json:"cpu_shares,omitempty"`
	CPUSetCPUs          string              `json:"cpuset_cpus,omitempty"`
	CPUSetMems          string              `json:"cpuset_mems,omitempty"`
	MemoryLimit         uint64              `json:"memory_limit,omitempty"`
	MemorySwap          uint64              `json:"memory_swap,omitempty"`
	BlkioWeight         uint64              `json:"blkio_weight,omitempty"`
	BlkioWeightDevice   []PodWeightDevice   `json:"blkio_weight_device,omitempty"`
	BlkioDeviceReadBps  []PodThrottleDevice `json:"device_read_bps,omitempty"`
	BlkioDeviceWriteBps []PodThrottleDevice `json:"device_write_bps,omitempty"`
	Devices             []PodInspectDevice  `json:"devices,omitempty"`
	VolumesFrom         []string            `json:"volumes_from,omitempty"`
	SecurityOpts        []string            `json:"security_opt,omitempty"`
}

// PodWeightDevice and PodThrottleDevice are a block device's weight and
// rate limit in PodInspect, by major:minor numbers.
type PodWeightDevice struct {
	Path   string `json:"Path"`
	Weight uint16 `json:"Weight"`
}

type PodThrottleDevice struct {
	Path string `json:"Path"`
	Rate uint64 `json:"Rate"`
}

// PodInspectDevice is one --device of the pod.
type PodInspectDevice struct {
	PathOnHost        string `json:"PathOnHost"`
	PathInContainer   string `json:"PathInContainer"`
	CgroupPermissions string `json:"CgroupPermissions"`
}

// PodInfraConfig is the infra container's part of PodInspect.
type PodInfraConfig struct {
	PortBindings  mobynet.PortMap `json:"PortBindings"`
	HostNetwork   bool            `json:"HostNetwork"`
	StaticIP      string          `json:"StaticIP"`
	StaticMAC     string          `json:"StaticMAC"`
	DNSServer     []string        `json:"DNSServer"`
	DNSSearch     []string        `json:"DNSSearch"`
	DNSOption     []string        `json:"DNSOption"`
	NoManageHosts bool            `json:"NoManageHosts"`
	HostAdd       []string        `json:"HostAdd"`
	Networks      []string        `json:"Networks"`
	PidNS         string          `json:"pid_ns,omitempty"`
	UserNS        string          `json:"userns,omitempty"`
	UTSNS         string          `json:"uts_ns,omitempty"`
}

// PodInspectMember is one container of PodInspect.
type PodInspectMember struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	State string `json:"State"`
}

// InspectPod builds the inspect document of one pod.
func (r *Runtime) InspectPod(ctx context.Context, idOrName string) (*PodInspect, error) {
	p, err := r.Pod(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	ctrs, err := r.podContainers(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &PodInspect{
		ID: p.ID, Name: p.Name, Created: p.CreatedAt, CreateCommand: p.Config.CreateCommand, ExitPolicy: p.Config.ExitPolicy,
		State: PodStatus(ctrs), Hostname: p.Config.Hostname, Labels: p.Labels,
		CgroupParent: p.Config.CgroupParent, CreateInfra: p.InfraID != "",
		InfraContainerID: p.InfraID, SharedNamespaces: append([]string{}, p.Config.Share...),
		NumContainers: len(ctrs), Containers: []PodInspectMember{},
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	out.CreateCgroup = p.Config.CgroupPath != ""
	out.CgroupPath = p.Config.CgroupPath
	out.VolumesFrom, out.SecurityOpts = p.Config.VolumesFrom, p.Config.SecurityOpt
	podInspectLimits(out, p.Config.Resources)
	for _, d := range p.Config.Devices {
		parts := strings.SplitN(d, ":", 3)
		dev := PodInspectDevice{PathOnHost: parts[0], PathInContainer: parts[0], CgroupPermissions: "rwm"}
		if len(parts) > 1 {
			dev.PathInContainer = parts[1]
		}
		if len(parts) > 2 {
			dev.CgroupPermissions = parts[2]
		}
		out.Devices = append(out.Devices, dev)
	}
	for _, c := range ctrs {
		out.Containers = append(out.Containers, PodInspectMember{ID: c.ID, Name: c.Name, State: string(c.Status)})
		if c.ID == p.InfraID {
			out.InfraConfig = r.podInfraConfig(c, p)
		}
	}
	return out, nil
}

func (r *Runtime) podInfraConfig(infra *Container, p *Pod) *PodInfraConfig {
	cfg := infra.Config
	ic := &PodInfraConfig{
		HostNetwork: cfg.NetworkMode == netModeHost,
		DNSServer:   cfg.DNS, DNSSearch: cfg.DNSSearch, DNSOption: cfg.DNSOptions,
		HostAdd: cfg.AddHosts, NoManageHosts: cfg.NoHosts,
		Networks: p.Config.Networks,
	}
	for _, a := range cfg.Networks {
		if a.IP != "" {
			ic.StaticIP = a.IP
		}
		if a.MAC != "" {
			ic.StaticMAC = a.MAC
		}
	}
	ports := cfg.Ports
	if isActive(infra.Status) {
		if nr, err := r.readNetRun(infra.ID); err == nil && len(nr.Ports) > 0 {
			ports = nr.Ports
		}
	}
	ic.PortBindings = PortMap(ports, "")
	if p.Shares("pid") {
		ic.PidNS = "pod"
	}
	if p.Shares("uts") {
		ic.UTSNS = "pod"
	}
	if cfg.UsernsMode != "" {
		ic.UserNS = cfg.UsernsMode
	}
	return ic
}

// ListedPod is one row of `pod pod ls`.
type ListedPod struct {
	*Pod
	Status     string
	Containers []*Container // newest first, the infra container among them
	Networks   []string
}

// ListPods lists the pods, newest first, with their containers.
func (r *Runtime) ListPods(ctx context.Context, f *PodFilter) ([]*ListedPod, error) {
	pods, err := r.Pods(ctx)
	if err != nil {
		return nil, err
	}
	var out []*ListedPod
	for _, p := range pods {
		ctrs, err := r.podContainers(ctx, p)
		if err != nil {
			return nil, err
		}
		lp := &ListedPod{Pod: p, Status: PodStatus(ctrs), Containers: ctrs, Networks: p.Config.Networks}
		if f != nil && !f.Match(lp) {
			continue
		}
		out = append(out, lp)
	}
	return out, nil
}

// podInspectLimits fills the limit fields of out from res.
func podInspectLimits(out *PodInspect, res *specs.LinuxResources) {
	if res == nil {
		return
	}
	if m := res.Memory; m != nil {
		if m.Limit != nil && *m.Limit > 0 {
			out.MemoryLimit = uint64(*m.Limit)
		}
		if m.Swap != nil && *m.Swap > 0 {
			out.MemorySwap = uint64(*m.Swap)
		}
	}
	if c := res.CPU; c != nil {
		if c.Period != nil {
			out.CPUPeriod = *c.Period
		}
		if c.Quota != nil {
			out.CPUQuota = *c.Quota
		}
		if c.Shares != nil {
			out.CPUShares = *c.Shares
		}
		out.CPUSetCPUs, out.CPUSetMems = c.Cpus, c.Mems
	}
	if b := res.BlockIO; b != nil {
		if b.Weight != nil {
			out.BlkioWeight = uint64(*b.Weight)
		}
		for _, d := range b.WeightDevice {
			if d.Weight != nil {
				out.BlkioWeightDevice = append(out.BlkioWeightDevice, PodWeightDevice{Path: fmt.Sprintf("%d:%d", d.Major, d.Minor), Weight: *d.Weight})
			}
		}
		for _, d := range b.ThrottleReadBpsDevice {
			out.BlkioDeviceReadBps = append(out.BlkioDeviceReadBps, PodThrottleDevice{Path: fmt.Sprintf("%d:%d", d.Major, d.Minor), Rate: d.Rate})
		}
		for _, d := range b.ThrottleWriteBpsDevice {
			out.BlkioDeviceWriteBps = append(out.BlkioDeviceWriteBps, PodThrottleDevice{Path: fmt.Sprintf("%d:%d", d.Major, d.Minor), Rate: d.Rate})
		}
	}
}
