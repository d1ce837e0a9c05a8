package engine

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/idmap"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/specgen"
)

// InspectHostConfig is inspect's HostConfig: Docker's own type (so the
// API service sends it as it is and scripts find Docker's field names),
// plus the fields only podman shows. Podman's extras shadow nothing of
// Docker's.
type InspectHostConfig struct {
	container.HostConfig
	// Cgroups is podman's --cgroups mode: "enabled", "no-conmon", ...
	Cgroups       string `json:"Cgroups"`
	CgroupManager string `json:"CgroupManager"`
	// IDMappings are the container's maps, CONTAINER:HOST:SIZE, HOST in
	// pod's own user namespace; absent without a user namespace.
	IDMappings *InspectIDMappings `json:"IDMappings,omitempty"`
	// CgroupMode is podman's name for the cgroup namespace: private or
	// host (Docker's is CgroupnsMode).
	CgroupMode string `json:"CgroupMode"`
	// CgroupConf are --cgroup-conf's files of the cgroup v2 directory.
	CgroupConf map[string]string `json:"CgroupConf"`
}

// InspectIDMappings is HostConfig.IDMappings, as podman shows it.
type InspectIDMappings struct {
	UIDMap []string `json:"UidMap"`
	GIDMap []string `json:"GidMap"`
}

// defaultShmSize is /dev/shm's size when --shm-size is not given (64m, as
// Docker and podman).
const defaultShmSize = 64 << 20

// inspectHostConfig is the one conversion of a container's config into
// Docker's HostConfig: inspect prints it, the API service sends it.
func inspectHostConfig(cfg *ContainerConfig) InspectHostConfig {
	logDriver := cfg.LogDriver
	if logDriver == "" {
		logDriver = "k8s-file"
	}
	restart := cfg.RestartPolicy.Name
	if restart == "" {
		restart = "no"
	}
	shm := cfg.ShmSize
	if shm == 0 {
		shm = defaultShmSize
	}
	init := cfg.Init
	h := container.HostConfig{
		Binds:          []string{},
		LogConfig:      container.LogConfig{Type: logDriver, Config: orEmptyMap(cfg.LogOpts)},
		NetworkMode:    container.NetworkMode(networkMode(cfg.NetworkMode)),
		PortBindings:   PortMap(cfg.Ports, ""),
		RestartPolicy:  container.RestartPolicy{Name: container.RestartPolicyMode(restart), MaximumRetryCount: cfg.RestartPolicy.MaxRetries},
		AutoRemove:     cfg.AutoRemove,
		VolumesFrom:    []string{},
		CapAdd:         orEmpty(cfg.CapAdd),
		CapDrop:        orEmpty(cfg.CapDrop),
		DNS:            []netip.Addr{},
		DNSOptions:     orEmpty(cfg.DNSOptions),
		DNSSearch:      orEmpty(cfg.DNSSearch),
		ExtraHosts:     orEmpty(cfg.AddHosts),
		GroupAdd:       orEmpty(cfg.GroupAdd),
		IpcMode:        container.IpcMode(namespaceMode(cfg.IpcMode, "shareable")),
		PidMode:        container.PidMode(namespaceMode(cfg.PidMode, "private")),
		UTSMode:        container.UTSMode(namespaceMode(cfg.UtsMode, "private")),
		UsernsMode:     container.UsernsMode(cfg.UsernsMode),
		Links:          []string{},
		Privileged:     cfg.Privileged,
		ReadonlyRootfs: cfg.ReadOnly,
		SecurityOpt:    orEmpty(cfg.SecurityOpt),
		Tmpfs:          map[string]string{},
		ShmSize:        shm,
		Sysctls:        cfg.Sysctls,
		Runtime:        "oci",
		Init:           &init,
		Resources:      inspectResources(cfg),
	}
	cgroupns := cfg.CgroupNS
	if cgroupns == "" {
		cgroupns = "host"
		if cgroups.Detect() == cgroups.Unified {
			cgroupns = "private"
		}
	}
	h.CgroupnsMode = container.CgroupnsMode(cgroupns)
	if cfg.OOMScoreAdj != nil {
		h.OomScoreAdj = *cfg.OOMScoreAdj
	}
	for _, d := range cfg.DNS {
		if a, err := netip.ParseAddr(d); err == nil {
			h.DNS = append(h.DNS, a)
		}
	}
	for _, m := range cfg.Mounts {
		switch m.Type {
		case "tmpfs":
			h.Tmpfs[m.Destination] = strings.Join(m.Options, ",")
		case "bind":
			bind := m.Source + ":" + m.Destination
			if len(m.Options) > 0 {
				bind += ":" + strings.Join(m.Options, ",")
			}
			h.Binds = append(h.Binds, bind)
		}
	}
	out := InspectHostConfig{HostConfig: h, Cgroups: cfg.Cgroups, CgroupManager: cfg.CgroupManager, CgroupMode: cgroupns, CgroupConf: map[string]string{}}
	if cfg.Resources != nil && len(cfg.Resources.Unified) > 0 {
		out.CgroupConf = cfg.Resources.Unified
	}
	if out.Cgroups == "" {
		out.Cgroups = "enabled"
	}
	if len(cfg.UIDMap) > 0 {
		out.IDMappings = &InspectIDMappings{UIDMap: idmap.FormatAll(cfg.UIDMap), GIDMap: idmap.FormatAll(cfg.GIDMap)}
	}
	return out
}

// namespaceMode is how podman shows --ipc, --pid and --uts: the mode as
// given, or for a namespace of the container's own what podman calls it
// (an IPC namespace others may join is "shareable").
func namespaceMode(m, own string) string {
	if m == "" || m == "private" {
		return own
	}
	return m
}

// inspectResources are the cgroup limits and devices of HostConfig, as
// Docker names them.
func inspectResources(cfg *ContainerConfig) container.Resources {
	pids, oomOff := int64(0), false
	l := container.Resources{
		CgroupParent:   cfg.CgroupParent,
		Devices:        []container.DeviceMapping{},
		PidsLimit:      &pids,
		Ulimits:        []*container.Ulimit{},
		OomKillDisable: &oomOff,
	}
	for _, d := range cfg.Devices {
		perms := d.Permissions
		if perms == "" {
			perms = "rwm"
		}
		l.Devices = append(l.Devices, container.DeviceMapping{PathOnHost: d.Host, PathInContainer: d.Container, CgroupPermissions: perms})
	}
	for _, u := range cfg.Ulimits {
		l.Ulimits = append(l.Ulimits, &units.Ulimit{Name: "RLIMIT_" + strings.ToUpper(u.Name), Soft: int64(u.Soft), Hard: int64(u.Hard)})
	}
	inspectMoreResources(&l, cfg)
	res := cfg.Resources
	if res == nil {
		return l
	}
	if m := res.Memory; m != nil {
		if m.Limit != nil {
			l.Memory = *m.Limit
		}
		if m.Swap != nil {
			l.MemorySwap = *m.Swap
		}
		if m.Reservation != nil {
			l.MemoryReservation = *m.Reservation
		}
		oomOff = m.DisableOOMKiller != nil && *m.DisableOOMKiller
	}
	if c := res.CPU; c != nil {
		if c.Shares != nil {
			l.CPUShares = int64(*c.Shares)
		}
		if c.Period != nil {
			l.CPUPeriod = int64(*c.Period)
		}
		if c.Quota != nil {
			l.CPUQuota = *c.Quota
		}
		if c.Period != nil && c.Quota != nil && *c.Period == specgen.DefaultCPUPeriod && *c.Quota > 0 {
			// What --cpus set, as Docker reports it.
			l.NanoCPUs = *c.Quota * 1e9 / specgen.DefaultCPUPeriod
		}
		l.CpusetCpus, l.CpusetMems = c.Cpus, c.Mems
	}
	if res.Pids != nil {
		pids = res.Pids.Limit
	}
	if res.BlockIO != nil && res.BlockIO.Weight != nil {
		l.BlkioWeight = *res.BlockIO.Weight
	}
	return l
}

// PortMap is published ports in Docker's shape, "80/tcp": [{HostIp,
// HostPort}], one entry per port of a range. hostIP stands in for a
// mapping without an address ("" as configured, "0.0.0.0" as bound); a
// host port 0 (chosen at start) is "".
func PortMap(ports []network.PortMapping, hostIP string) mobynet.PortMap {
	pm := mobynet.PortMap{}
	for _, p := range ports {
		ipText := p.HostIP
		if ipText == "" {
			ipText = hostIP
		}
		ip, _ := netip.ParseAddr(ipText) // "" stays the zero address, printed ""
		for i := 0; i < p.Count(); i++ {
			key, ok := mobynet.PortFrom(p.ContainerPort+uint16(i), mobynet.IPProtocol(p.Protocol))
			if !ok {
				continue
			}
			host := ""
			if p.HostPort != 0 {
				host = strconv.Itoa(int(p.HostPort) + i)
			}
			pm[key] = append(pm[key], mobynet.PortBinding{HostIP: ip, HostPort: host})
		}
	}
	return pm
}

// inspectVolumeMounts shows a volume mount as Docker does: its name in
// Name and the volume's data directory in Source.
func (r *Runtime) inspectVolumeMounts(ctx context.Context, doc *ContainerInspect) {
	vs := r.volumes()
	for i := range doc.Mounts {
		m := &doc.Mounts[i]
		if string(m.Type) != mountVolume {
			continue
		}
		m.Name = m.Source
		m.Driver = "local"
		if _, err := r.db.Volume(ctx, m.Name); err == nil {
			m.Source = vs.Path(m.Name)
		}
	}
}

func mountRW(opts []string) bool { return !slices.Contains(opts, "ro") }
