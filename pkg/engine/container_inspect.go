package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	mobynet "github.com/moby/moby/api/types/network"

	"github.com/pod-engine/pod/pkg/state"
)

// ContainerInspect is `pod inspect`'s document for a container: Docker's
// ContainerJSON field names, plus podman's ImageName and ConmonPid. Go
// field names equal the JSON names (ID is "Id") so --format templates can
// use either spelling Docker users know.
type ContainerInspect struct {
	ID              string                 `json:"Id"`
	Created         string                 `json:"Created"`
	Path            string                 `json:"Path"`
	Args            []string               `json:"Args"`
	State           InspectState           `json:"State"`
	Image           string                 `json:"Image"`
	ImageDigest     string                 `json:"ImageDigest"` // podman's: the image's manifest digest
	ImageName       string                 `json:"ImageName"`
	Rootfs          string                 `json:"Rootfs,omitempty"` // podman's: the --rootfs directory
	OCIRuntime      string                 `json:"OCIRuntime"`       // podman's: the runtime's name
	Pod             string                 `json:"Pod"`              // podman's: the ID of the container's pod, "" for none
	ResolvConfPath  string                 `json:"ResolvConfPath"`
	HostnamePath    string                 `json:"HostnamePath"`
	HostsPath       string                 `json:"HostsPath"`
	LogPath         string                 `json:"LogPath"`
	ConmonPidFile   string                 `json:"ConmonPidFile"` // podman's name: the monitor's PID, while it runs
	PidFile         string                 `json:"PidFile"`       // podman's: --pidfile, where the container's PID is written
	Name            string                 `json:"Name"`
	RestartCount    int                    `json:"RestartCount"`
	Driver          string                 `json:"Driver"`
	Platform        string                 `json:"Platform"`
	MountLabel      string                 `json:"MountLabel"`
	ProcessLabel    string                 `json:"ProcessLabel"`
	AppArmorProfile string                 `json:"AppArmorProfile"`
	HostConfig      InspectHostConfig      `json:"HostConfig"`
	GraphDriver     InspectGraphDriver     `json:"GraphDriver"`
	SizeRw          *int64                 `json:"SizeRw,omitempty"`
	SizeRootFs      *int64                 `json:"SizeRootFs,omitempty"`
	Mounts          []container.MountPoint `json:"Mounts"`
	Config          InspectConfig          `json:"Config"`
	NetworkSettings InspectNetworkSettings `json:"NetworkSettings"`
	ExecIDs         []string               `json:"ExecIDs"`
}

// InspectState is State: what the container is doing or how it ended.
type InspectState struct {
	Status     string `json:"Status"`
	Running    bool   `json:"Running"`
	Paused     bool   `json:"Paused"`
	Restarting bool   `json:"Restarting"`
	OOMKilled  bool   `json:"OOMKilled"`
	Dead       bool   `json:"Dead"`
	Pid        int    `json:"Pid"`
	ConmonPid  int    `json:"ConmonPid"`
	ExitCode   int    `json:"ExitCode"`
	Error      string `json:"Error"`
	StartedAt  string `json:"StartedAt"`
	FinishedAt string `json:"FinishedAt"`
	// Health is there for a container with a healthcheck; Healthcheck is
	// the same, under the name podman 4 gave it.
	Health      *HealthState `json:"Health,omitempty"`
	Healthcheck *HealthState `json:"Healthcheck,omitempty"`
	// podman's checkpoint fields: Checkpointed while a checkpoint of the
	// container's last run waits to be restored, Restored while a
	// restored run goes on (pod container checkpoint/restore).
	Checkpointed   bool   `json:"Checkpointed"`
	CheckpointedAt string `json:"CheckpointedAt,omitempty"`
	CheckpointPath string `json:"CheckpointPath,omitempty"`
	CheckpointLog  string `json:"CheckpointLog,omitempty"`
	Restored       bool   `json:"Restored"`
	RestoredAt     string `json:"RestoredAt,omitempty"`
	RestoreLog     string `json:"RestoreLog,omitempty"`
}

// InspectGraphDriver names the storage driver and, as podman shows them,
// the overlay directories of the container's root filesystem.
type InspectGraphDriver struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// InspectConfig is Config: the container's process and identity.
type InspectConfig struct {
	Healthcheck                *InspectHealthcheck `json:"Healthcheck,omitempty"`
	HealthcheckOnFailureAction string              `json:"HealthcheckOnFailureAction,omitempty"`
	Hostname                   string              `json:"Hostname"`
	User                       string              `json:"User"`
	AttachStdin                bool                `json:"AttachStdin"`
	AttachStdout               bool                `json:"AttachStdout"`
	AttachStderr               bool                `json:"AttachStderr"`
	Tty                        bool                `json:"Tty"`
	OpenStdin                  bool                `json:"OpenStdin"`
	StdinOnce                  bool                `json:"StdinOnce"`
	Env                        []string            `json:"Env"`
	Cmd                        []string            `json:"Cmd"`
	Image                      string              `json:"Image"`
	WorkingDir                 string              `json:"WorkingDir"`
	Entrypoint                 []string            `json:"Entrypoint"`
	Labels                     map[string]string   `json:"Labels"`
	Annotations                map[string]string   `json:"Annotations,omitempty"`
	StopSignal                 string              `json:"StopSignal"`
	StopTimeout                int                 `json:"StopTimeout"`
	CreateCommand              []string            `json:"CreateCommand,omitempty"`
	SdNotifyMode               string              `json:"SdNotifyMode,omitempty"`
	Umask                      string              `json:"Umask"` // podman's: the process's umask, octal
}

// InspectContainer builds the inspect document of one container. With
// size it also measures the container's layer (slow on big layers).
func (r *Runtime) InspectContainer(ctx context.Context, idOrName string, size bool) (*ContainerInspect, error) {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	doc := inspectDocument(c)
	doc.NetworkSettings = r.networkSettings(c)
	r.inspectInteractive(ctx, c, doc)
	r.inspectVolumeMounts(ctx, doc)
	r.inspectCheckpoint(c, &doc.State)
	if cfgLog := doc.HostConfig.LogConfig.Type; cfgLog != "none" && cfgLog != "journald" {
		if p, err := r.containerLogPath(c); err == nil {
			doc.LogPath = p
		}
	}
	st, err := r.storage()
	if err != nil {
		return nil, err
	}
	if dir, err := st.ContainerRunDirectory(c.ID); err == nil {
		doc.ConmonPidFile = filepath.Join(dir, monitorPIDFile)
	}
	if c.Config != nil && c.Config.ConmonPidFile != "" {
		doc.ConmonPidFile = c.Config.ConmonPidFile
	}
	if img, err := st.Image(c.ImageID); err == nil {
		doc.ImageDigest = img.Digest.String()
	}
	doc.OCIRuntime = r.ociName(c)
	doc.Driver = st.GraphDriverName()
	doc.GraphDriver = r.graphDriverData(c.ID, doc.Driver)
	// The /etc files the engine bind-mounts live in the userdata directory.
	if dir, err := st.ContainerDirectory(c.ID); err == nil {
		for _, p := range []struct {
			field *string
			name  string
		}{{&doc.ResolvConfPath, "resolv.conf"}, {&doc.HostnamePath, "hostname"}, {&doc.HostsPath, "hosts"}} {
			if _, err := os.Stat(filepath.Join(dir, p.name)); err == nil {
				*p.field = filepath.Join(dir, p.name)
			}
		}
	}
	if size {
		rw, rootfs := r.containerSizes(c.ID, c.ImageID)
		doc.SizeRw, doc.SizeRootFs = &rw, &rootfs
	}
	return doc, nil
}

// graphDriverData asks the storage driver for the directories of the
// container's layer (overlay: LowerDir, UpperDir, WorkDir, MergedDir).
func (r *Runtime) graphDriverData(id, driverName string) InspectGraphDriver {
	gd := InspectGraphDriver{Name: driverName, Data: map[string]string{}}
	st, err := r.storage()
	if err != nil {
		return gd
	}
	sc, err := st.Container(id)
	if err != nil {
		return gd
	}
	drv, err := st.GraphDriver()
	if err != nil {
		return gd
	}
	if md, err := drv.Metadata(sc.LayerID); err == nil {
		for k, v := range md {
			gd.Data[k] = v
		}
	}
	return gd
}

// inspectDocument is the part of the document the DB row and config hold.
func inspectDocument(c *Container) *ContainerInspect {
	cfg := c.Config
	if cfg == nil {
		cfg = &ContainerConfig{}
	}
	path, args := processArgs(cfg)
	stopTimeout := defaultStopTimeout
	if cfg.StopTimeout != nil {
		stopTimeout = *cfg.StopTimeout
	}
	stopSignal := cfg.StopSignal
	if stopSignal == "" {
		stopSignal = "SIGTERM"
	}
	attachIn, attachOut, attachErr := c.AttachStreams()
	imageName := c.ImageName
	if imageName == "" {
		imageName = cfg.ImageName
	}
	doc := &ContainerInspect{
		ID:        c.ID,
		Created:   formatTime(c.CreatedAt),
		Path:      path,
		Args:      orEmpty(args),
		State:     inspectState(c.Container),
		Image:     c.ImageID,
		ImageName: imageName,
		Pod:       c.PodID,
		Rootfs:    cfg.Rootfs,
		LogPath:   cfg.LogPath,
		PidFile:   cfg.PidFile,
		Name:      c.Name,
		Platform:  "linux",

		RestartCount: c.RestartCount,
		HostConfig:   inspectHostConfig(cfg),
		Mounts:       []container.MountPoint{},
		Config: InspectConfig{
			Hostname:     cfg.Hostname,
			User:         cfg.User,
			AttachStdin:  cfg.OpenStdin && attachIn,
			AttachStdout: attachOut,
			AttachStderr: attachErr,
			Tty:          cfg.Tty,
			OpenStdin:    cfg.OpenStdin,
			StdinOnce:    cfg.StdinOnce,
			Env:          orEmpty(cfg.Env),
			Cmd:          orEmpty(cfg.Cmd),
			Image:        imageName,
			WorkingDir:   cfg.WorkingDir,
			Entrypoint:   orEmpty(cfg.Entrypoint),
			Labels:       orEmptyMap(cfg.Labels),
			Annotations:  cfg.Annotations,
			StopSignal:   stopSignal,
			StopTimeout:  stopTimeout,

			CreateCommand: cfg.CreateCommand,
			SdNotifyMode:  sdNotifyMode(cfg.SdNotifyMode),
			Umask:         umaskOrDefault(cfg.Umask),
		},
		NetworkSettings: InspectNetworkSettings{Ports: mobynet.PortMap{}},
	}
	// The hostname Start gives the container when the user named none.
	if doc.Config.Hostname == "" {
		doc.Config.Hostname = shortID(c.ID)
		if cfg.NetworkMode == "host" {
			doc.Config.Hostname, _ = os.Hostname()
		}
	}
	if doc.Config.WorkingDir == "" {
		doc.Config.WorkingDir = "/"
	}
	for _, m := range cfg.Mounts {
		if m.Type == "tmpfs" {
			continue // in HostConfig.Tmpfs, as Docker and podman show them
		}
		mp := container.MountPoint{
			Type: mount.Type(m.Type), Source: m.Source, Destination: m.Destination,
			Mode: strings.Join(m.Options, ","), RW: mountRW(m.Options),
		}
		if m.Type == "bind" {
			mp.Propagation = mount.Propagation(propagation(m.Options))
		}
		doc.Mounts = append(doc.Mounts, mp)
	}
	return doc
}

func inspectState(c *state.Container) InspectState {
	s := InspectState{
		Status:     string(c.Status),
		Running:    c.Status == state.StatusRunning || c.Status == state.StatusPaused || c.Status == state.StatusStopping,
		Paused:     c.Status == state.StatusPaused,
		OOMKilled:  c.OOMKilled,
		ExitCode:   c.ExitCode,
		StartedAt:  formatTime(c.StartedAt),
		FinishedAt: formatTime(c.FinishedAt),
	}
	if s.Running || c.Status == state.StatusInitialized {
		s.Pid, s.ConmonPid = c.PID, c.MonitorPID
	}
	return s
}

// processArgs splits the command the container runs into Docker's Path
// (the executable) and Args (the rest).
func processArgs(cfg *ContainerConfig) (string, []string) {
	argv := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	if len(argv) == 0 {
		return "", nil
	}
	return argv[0], argv[1:]
}

// formatTime prints a time as Docker does: RFC 3339 with nanoseconds, in
// UTC; the zero time is "0001-01-01T00:00:00Z".
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

func networkMode(m string) string {
	if m == "" {
		return "bridge"
	}
	return m
}

func propagation(opts []string) string {
	for _, o := range opts {
		switch o {
		case "shared", "rshared", "slave", "rslave", "private", "rprivate":
			return o
		}
	}
	return "rprivate"
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
