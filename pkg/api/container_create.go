package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func (s *Server) containerCreate(w http.ResponseWriter, req *http.Request) {
	var cr container.CreateRequest
	if err := decodeJSON(req, &cr, false); err != nil {
		writeError(w, err)
		return
	}
	opts, err := createOptions(req.URL.Query().Get("name"), &cr)
	if err != nil {
		writeError(w, err)
		return
	}
	c, err := s.rt.Create(req.Context(), opts)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, container.CreateResponse{ID: c.ID, Warnings: []string{}})
}

// createOptions maps a Docker create request onto the engine's create
// options, in the syntax of the flags they stand for. A setting pod cannot
// honour is refused, never dropped.
func createOptions(name string, cr *container.CreateRequest) (engine.CreateOptions, error) {
	if cr.Config == nil || cr.Config.Image == "" {
		return engine.CreateOptions{}, errdefs.InvalidArgumentf("config: an image is required")
	}
	cfg := cr.Config
	hc := cr.HostConfig
	if hc == nil {
		hc = &container.HostConfig{}
	}
	o := engine.CreateOptions{
		Image:       cfg.Image,
		Pull:        "never", // Docker's create answers 404 and the client pulls
		Name:        strings.TrimPrefix(name, "/"),
		Command:     cfg.Cmd,
		Env:         cfg.Env,
		WorkingDir:  cfg.WorkingDir,
		User:        cfg.User,
		Hostname:    cfg.Hostname,
		Interactive: cfg.OpenStdin,
		Tty:         cfg.Tty,
		StopSignal:  cfg.StopSignal,
		StopTimeout: cfg.StopTimeout,

		Volumes:     hc.Binds,
		VolumesFrom: hc.VolumesFrom,
		ReadOnly:    hc.ReadonlyRootfs,
		CapAdd:      hc.CapAdd,
		CapDrop:     hc.CapDrop,
		Privileged:  hc.Privileged,
		SecurityOpt: hc.SecurityOpt,
		AutoRemove:  hc.AutoRemove,
		LogDriver:   hc.LogConfig.Type,
	}
	if o.Env == nil {
		o.Env = []string{}
	}
	// An unset variable (KEY without =) would take pod's own value: the
	// service's environment is not the client's.
	for i, e := range o.Env {
		if !strings.Contains(e, "=") {
			o.Env[i] = e + "="
		}
	}
	if cfg.Entrypoint != nil {
		data, _ := json.Marshal([]string(cfg.Entrypoint))
		ep := string(data)
		if len(cfg.Entrypoint) == 0 || (len(cfg.Entrypoint) == 1 && cfg.Entrypoint[0] == "") {
			ep = ""
		}
		o.Entrypoint = &ep
	}
	for _, k := range sortedKeys(cfg.Labels) {
		o.Labels = append(o.Labels, k+"="+cfg.Labels[k])
	}
	for _, k := range sortedKeys(hc.LogConfig.Config) {
		o.LogOpts = append(o.LogOpts, k+"="+hc.LogConfig.Config[k])
	}
	if o.LogDriver == "json-file" {
		// Docker's default driver; pod's json-file is the same format.
		o.LogDriver = "json-file"
	}
	if hc.Init != nil {
		o.Init = *hc.Init
	}
	if hc.RestartPolicy.Name != "" && hc.RestartPolicy.Name != container.RestartPolicyDisabled {
		o.Restart = string(hc.RestartPolicy.Name)
		if hc.RestartPolicy.Name == container.RestartPolicyOnFailure && hc.RestartPolicy.MaximumRetryCount > 0 {
			o.Restart += ":" + strconv.Itoa(hc.RestartPolicy.MaximumRetryCount)
		}
	}
	for _, k := range sortedKeys(hc.Tmpfs) {
		t := k
		if v := hc.Tmpfs[k]; v != "" {
			t += ":" + v
		}
		o.Tmpfs = append(o.Tmpfs, t)
	}
	for _, m := range hc.Mounts {
		spec, err := mountSpec(m)
		if err != nil {
			return o, err
		}
		o.Mounts = append(o.Mounts, spec)
	}
	for _, u := range hc.Ulimits {
		o.Ulimits = append(o.Ulimits, fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
	}
	if err := refuseUnsupported(hc); err != nil {
		return o, err
	}
	if err := netOptions(&o, cfg, hc, cr); err != nil {
		return o, err
	}
	o.Limits = limitOptions(hc.Resources)
	if hc.OomScoreAdj != 0 {
		v := hc.OomScoreAdj
		o.Limits.OOMScoreAdj = &v
	}
	if err := healthOptions(&o, cfg); err != nil {
		return o, err
	}
	return o, nil
}

// refuseUnsupported names the first setting pod's engine has no way to
// apply (yet): a container made without it would not be what was asked.
func refuseUnsupported(hc *container.HostConfig) error {
	switch {
	case len(hc.Devices) > 0:
		return errdefs.NotImplementedf("HostConfig.Devices is not supported by pod's API service")
	case len(hc.Sysctls) > 0:
		return errdefs.NotImplementedf("HostConfig.Sysctls is not supported by pod's API service")
	case hc.PidMode != "" && hc.PidMode != "private":
		return errdefs.NotImplementedf("HostConfig.PidMode %q is not supported by pod's API service", hc.PidMode)
	case hc.IpcMode != "" && hc.IpcMode != "private" && hc.IpcMode != "shareable":
		return errdefs.NotImplementedf("HostConfig.IpcMode %q is not supported by pod's API service", hc.IpcMode)
	case len(hc.DeviceRequests) > 0:
		return errdefs.NotImplementedf("HostConfig.DeviceRequests is not supported by pod's API service")
	}
	return nil
}

// mountSpec writes m as a --mount argument.
func mountSpec(m mount.Mount) (string, error) {
	parts := []string{"type=" + string(m.Type)}
	switch m.Type {
	case mount.TypeBind, mount.TypeVolume, mount.TypeTmpfs:
	default:
		return "", errdefs.NotImplementedf("mount type %q is not supported", m.Type)
	}
	if m.Source != "" {
		parts = append(parts, "source="+m.Source)
	}
	if m.Target == "" {
		return "", errdefs.InvalidArgumentf("mount: a Target is required")
	}
	parts = append(parts, "target="+m.Target)
	if m.ReadOnly {
		parts = append(parts, "readonly")
	}
	if m.BindOptions != nil && m.BindOptions.Propagation != "" {
		parts = append(parts, "bind-propagation="+string(m.BindOptions.Propagation))
	}
	if m.TmpfsOptions != nil {
		if m.TmpfsOptions.SizeBytes > 0 {
			parts = append(parts, "tmpfs-size="+strconv.FormatInt(m.TmpfsOptions.SizeBytes, 10))
		}
		if m.TmpfsOptions.Mode != 0 {
			parts = append(parts, fmt.Sprintf("tmpfs-mode=%o", m.TmpfsOptions.Mode))
		}
	}
	return strings.Join(parts, ","), nil
}

// netOptions maps the network mode, endpoints and port bindings.
func netOptions(o *engine.CreateOptions, cfg *container.Config, hc *container.HostConfig, cr *container.CreateRequest) error {
	mode := string(hc.NetworkMode)
	if mode != "" && mode != "default" {
		o.Networks = []string{mode}
	}
	if cr.NetworkingConfig != nil {
		names := sortedKeys(cr.NetworkingConfig.EndpointsConfig)
		for _, n := range names {
			ep := cr.NetworkingConfig.EndpointsConfig[n]
			if n != mode && mode != "" && mode != "default" {
				o.Networks = append(o.Networks, n)
			}
			if ep == nil {
				continue
			}
			o.Aliases = append(o.Aliases, ep.Aliases...)
			if ep.IPAMConfig != nil && ep.IPAMConfig.IPv4Address.IsValid() {
				o.IP = ep.IPAMConfig.IPv4Address.String()
			}
		}
	}
	for _, d := range hc.DNS {
		o.DNS = append(o.DNS, d.String())
	}
	o.DNSSearch = hc.DNSSearch
	o.DNSOptions = hc.DNSOptions
	o.AddHosts = hc.ExtraHosts
	o.PublishAll = hc.PublishAllPorts
	ports := make([]string, 0, len(hc.PortBindings))
	for p := range hc.PortBindings {
		ports = append(ports, p.String())
	}
	sort.Strings(ports)
	for _, ps := range ports {
		for p, bindings := range hc.PortBindings {
			if p.String() != ps {
				continue
			}
			for _, b := range bindings {
				spec := b.HostPort + ":" + p.Port() + "/" + string(p.Proto())
				if b.HostIP.IsValid() && !b.HostIP.IsUnspecified() {
					spec = b.HostIP.String() + ":" + spec
				}
				if b.HostPort == "" || b.HostPort == "0" { // Docker's "any free port"
					spec = p.Port() + "/" + string(p.Proto())
					if b.HostIP.IsValid() && !b.HostIP.IsUnspecified() {
						spec = b.HostIP.String() + "::" + spec
					}
				}
				o.Publish = append(o.Publish, spec)
			}
		}
	}
	return nil
}

// limitOptions maps Docker's resources (bytes, nano-CPUs) onto the
// limit flags' values.
func limitOptions(r container.Resources) engine.LimitOptions {
	l := engine.LimitOptions{
		CPUShares:    uint64(max(r.CPUShares, 0)),
		CPUQuota:     r.CPUQuota,
		CPUPeriod:    uint64(max(r.CPUPeriod, 0)),
		CpusetCpus:   r.CpusetCpus,
		CpusetMems:   r.CpusetMems,
		BlkioWeight:  r.BlkioWeight,
		CgroupParent: r.CgroupParent,
	}
	if r.Memory > 0 {
		l.Memory = strconv.FormatInt(r.Memory, 10)
	}
	if r.MemorySwap != 0 {
		l.MemorySwap = strconv.FormatInt(r.MemorySwap, 10)
	}
	if r.MemoryReservation > 0 {
		l.MemoryReservation = strconv.FormatInt(r.MemoryReservation, 10)
	}
	if r.NanoCPUs > 0 {
		l.CPUs = float64(r.NanoCPUs) / 1e9
	}
	if r.PidsLimit != nil && *r.PidsLimit != 0 {
		l.PidsLimit = r.PidsLimit
	}
	if r.OomKillDisable != nil {
		l.OOMKillDisable = *r.OomKillDisable
	}
	return l
}

// healthOptions maps Config.Healthcheck: ["NONE"], ["CMD", args...] or
// ["CMD-SHELL", line]; an empty Test keeps the image's.
func healthOptions(o *engine.CreateOptions, cfg *container.Config) error {
	h := cfg.Healthcheck
	if h == nil {
		return nil
	}
	if len(h.Test) > 0 {
		switch h.Test[0] {
		case "NONE":
			o.Health.None = true
			return nil
		case "CMD-SHELL":
			o.Health.Cmd = strings.Join(h.Test[1:], " ")
		case "CMD":
			data, _ := json.Marshal(h.Test[1:])
			o.Health.Cmd = string(data)
		default:
			return errdefs.InvalidArgumentf("Healthcheck.Test: %q is none of NONE, CMD, CMD-SHELL", h.Test[0])
		}
	}
	if h.Interval > 0 {
		o.Health.Interval = h.Interval.String()
	}
	if h.Timeout > 0 {
		o.Health.Timeout = h.Timeout.String()
	}
	if h.StartPeriod > 0 {
		o.Health.StartPeriod = h.StartPeriod.String()
	}
	if h.Retries > 0 {
		r := h.Retries
		o.Health.Retries = &r
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
