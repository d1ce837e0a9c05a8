package engine

import (
	"context"
	mobynet "github.com/moby/moby/api/types/network"
	"time"
)

// PodInspect is `pod pod inspect`'s document, podman's fields and names.
type PodInspect struct {
	ID               string             `json:"Id"`
	Name             string             `json:"Name"`
	Created          time.Time          `json:"Created"`
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
}

// PodInfraConfig is the infra container's part of PodInspect.
type PodInfraConfig struct {
	PortBindings mobynet.PortMap `json:"PortBindings"`
	HostNetwork  bool            `json:"HostNetwork"`
	StaticIP     string          `json:"StaticIP"`
	StaticMAC    string          `json:"StaticMAC"`
	DNSServer    []string        `json:"DNSServer"`
	DNSSearch    []string        `json:"DNSSearch"`
	DNSOption    []string        `json:"DNSOption"`
	HostAdd      []string        `json:"HostAdd"`
	Networks     []string        `json:"Networks"`
	PidNS        string          `json:"pid_ns,omitempty"`
	UTSNS        string          `json:"uts_ns,omitempty"`
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
		ID: p.ID, Name: p.Name, Created: p.CreatedAt, ExitPolicy: p.Config.ExitPolicy,
		State: PodStatus(ctrs), Hostname: p.Config.Hostname, Labels: p.Labels,
		CgroupParent: p.Config.CgroupParent, CreateInfra: p.InfraID != "",
		InfraContainerID: p.InfraID, SharedNamespaces: append([]string{}, p.Config.Share...),
		NumContainers: len(ctrs), Containers: []PodInspectMember{},
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
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
		HostAdd:  cfg.AddHosts,
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
