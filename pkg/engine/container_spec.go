package engine

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	cstorage "github.com/containers/storage"
	"github.com/containers/storage/pkg/unshare"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/specgen"
)

// The container config and the create options it is built from live in
// pkg/specgen, which knows nothing of the Runtime; these names keep the
// engine's API (and the DB format, which is specgen.ContainerConfig's JSON)
// as they were.
type (
	ContainerConfig = specgen.ContainerConfig
	MountConfig     = specgen.MountConfig
	DeviceConfig    = specgen.DeviceConfig
	Ulimit          = specgen.Ulimit
	RestartPolicy   = specgen.RestartPolicy
	HealthConfig    = specgen.HealthConfig
	HealthOptions   = specgen.HealthOptions
	NetOptions      = specgen.NetOptions
	LimitOptions    = specgen.LimitOptions
	UserNSOptions   = specgen.UserNSOptions
	KeepIDUser      = specgen.KeepIDUser
)

// Network modes stored in ContainerConfig.NetworkMode (see specgen).
const (
	netModeNone     = specgen.NetModeNone
	netModeHost     = specgen.NetModeHost
	netModeBridge   = specgen.NetModeBridge
	netModeSlirp    = specgen.NetModeSlirp
	netModeCtrPfx   = specgen.NetModeContainerPrefix
	netModeNSPrefix = specgen.NetModeNSPrefix
)

// invalidf makes an errdefs.ErrInvalidArg error with a message shown as is.
func invalidf(format string, args ...any) error {
	return errdefs.InvalidArgumentf(format, args...)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// specResolver answers specgen's questions about this Runtime's
// containers and networks.
type specResolver struct{ r *Runtime }

func (s specResolver) Rootless() bool { return s.r.Rootless() }

func (s specResolver) ContainerID(ctx context.Context, nameOrID string) (string, error) {
	c, err := s.r.get(ctx, nameOrID)
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

func (s specResolver) Network(ctx context.Context, nameOrID string) (*network.Network, error) {
	return s.r.networks().Inspect(ctx, nameOrID)
}

// buildNetConfig validates the networking flags, and cfg.Hostname, into
// cfg. exposed are the image's EXPOSEd ports, published on free host ports
// by -P.
func (r *Runtime) buildNetConfig(ctx context.Context, cfg *ContainerConfig, o NetOptions, exposed map[string]struct{}) error {
	return specgen.BuildNetwork(ctx, cfg, o, exposed, specResolver{r})
}

// buildUserNS validates the user namespace flags into cfg.
func (r *Runtime) buildUserNS(cfg *ContainerConfig, o UserNSOptions) error {
	auto := r.storeOpts.RootAutoNsUser
	if auto == "" {
		auto = cstorage.RootAutoUserNsUser
	}
	return specgen.BuildUserNS(cfg, o, specgen.UserNSHost{
		Rootless: r.Rootless(),
		UID:      rootless.UID(),
		GID:      unshare.GetRootlessGID(),
		AutoUser: auto,
	})
}

// cgroupsUsable reports whether this engine's containers can get cgroup
// limits: not as a plain user on cgroup v1, where nobody delegates cgroups.
func (r *Runtime) cgroupsUsable() bool {
	return !r.Rootless() || cgroups.Detect() == cgroups.Unified
}

// applyLimits checks the cgroup flags and records them in cfg.
func (r *Runtime) applyLimits(cfg *ContainerConfig, o LimitOptions) error {
	if err := specgen.ApplyLimits(cfg, o, r.cgroupManager(), r.cgroupsUsable()); err != nil {
		return err
	}
	if cfg.Cgroups == "disabled" {
		rt, err := r.OCI()
		if err != nil {
			return err
		}
		if rt.Name() != "crun" {
			return errdefs.InvalidArgumentf("--cgroups=disabled needs crun (--runtime crun): %s always creates a cgroup for the container", rt.Name())
		}
	}
	return nil
}

// containerHealthcheck is the healthcheck a container of image imgID gets.
func (r *Runtime) containerHealthcheck(ctx context.Context, imgID string, o HealthOptions) (*HealthConfig, error) {
	var image *HealthConfig
	if !o.None && o.Cmd == "" {
		hc, err := r.store.ImageHealthcheck(ctx, imgID)
		if err != nil {
			return nil, err
		}
		if hc != nil {
			image = &HealthConfig{Test: hc.Test, Interval: hc.Interval, Timeout: hc.Timeout, StartPeriod: hc.StartPeriod, Retries: hc.Retries}
		}
	}
	return specgen.Healthcheck(o, image)
}

// healthCommand is what c's monitor runs every interval: this pod's
// `healthcheck run`, with the storage and runtime options of exitCmd (the
// monitor's exit command, `... container cleanup ID`). nil without a
// healthcheck.
func healthCommand(exitCmd []string, c *Container) []string {
	if c.Config.Healthcheck == nil || len(exitCmd) < 3 {
		return nil
	}
	argv := append([]string(nil), exitCmd[:len(exitCmd)-3]...)
	return append(argv, "healthcheck", "run", c.ID)
}

func healthInterval(c *Container) time.Duration {
	if c.Config.Healthcheck == nil {
		return 0
	}
	return c.Config.Healthcheck.Interval
}

// oomScoreAdj returns the oom_score_adj to ask the runtime for, or nil. The
// kernel refuses a value below pod's own without CAP_SYS_RESOURCE in the
// initial user namespace (root lacks it on some hosts; a rootless pod
// always does): the runtime would then fail the start, so the value is
// dropped with a warning instead.
func (r *Runtime) oomScoreAdj(cfg *ContainerConfig) *int {
	if cfg.OOMScoreAdj == nil {
		return nil
	}
	want := *cfg.OOMScoreAdj
	cur := 0
	if b, err := os.ReadFile("/proc/self/oom_score_adj"); err == nil {
		cur, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if want < cur && (r.Rootless() || !hasCapSysResource()) {
		logrus.Warnf("cannot set oom_score_adj to %d: lowering it needs CAP_SYS_RESOURCE, which pod lacks here; the container keeps %d", want, cur)
		return nil
	}
	return &want
}

// hasCapSysResource reads CAP_SYS_RESOURCE (bit 24) of this process's
// effective capabilities.
func hasCapSysResource() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<24) != 0
		}
	}
	return false
}
