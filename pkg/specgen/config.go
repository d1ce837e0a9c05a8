package specgen

import (
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/network"
)

// ContainerConfig is everything `pod create` decided about a container. It
// is stored as JSON in the state DB (state.Container.Config) and never
// changes after create, except through `pod update` and `pod rename`.
// Field names are part of the DB format: add fields, never rename them.
type ContainerConfig struct {
	// Image as resolved at create time, and as the user named it.
	ImageID   string `json:"imageId"`
	ImageName string `json:"imageName"`
	// Rootfs is --rootfs: a host directory that is the root filesystem
	// (no image: ImageID and ImageName are empty); RootfsOverlay mounts it
	// under an overlay whose writes go away when the container stops.
	Rootfs        string `json:"rootfs,omitempty"`
	RootfsOverlay bool   `json:"rootfsOverlay,omitempty"`
	// InitContainerType is --init-ctr: "always" or "once" for an init
	// container of a pod, run to completion before the pod's others.
	InitContainerType string `json:"initContainerType,omitempty"`
	// OCIRuntime is the runtime `system migrate --new-runtime` gave the
	// container; "" runs it with the command's (--runtime, containers.conf).
	OCIRuntime string `json:"ociRuntime,omitempty"`

	// Process.
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	Env        []string `json:"env,omitempty"` // image env merged with -e/--env-file, as KEY=VALUE
	WorkingDir string   `json:"workingDir,omitempty"`
	User       string   `json:"user,omitempty"` // as given: name, uid, uid:gid
	Tty        bool     `json:"tty,omitempty"`
	OpenStdin  bool     `json:"openStdin,omitempty"` // -i
	// Attach are create --attach's streams (stdin, stdout, stderr) that
	// `start --attach` attaches to; empty: all of them.
	Attach    []string `json:"attach,omitempty"`
	StdinOnce bool     `json:"stdinOnce,omitempty"` // close stdin after the first attach ends
	Init      bool     `json:"init,omitempty"`      // --init
	InitPath  string   `json:"initPath,omitempty"`  // host path of the init binary

	// Identity.
	Hostname    string            `json:"hostname,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`

	// Filesystem.
	ReadOnly bool          `json:"readOnly,omitempty"`
	Mounts   []MountConfig `json:"mounts,omitempty"` // -v binds, --tmpfs, later volumes

	// Security.
	CapAdd          []string `json:"capAdd,omitempty"`
	CapDrop         []string `json:"capDrop,omitempty"`
	Privileged      bool     `json:"privileged,omitempty"`
	NoNewPrivileges bool     `json:"noNewPrivileges,omitempty"`
	Seccomp         string   `json:"seccomp,omitempty"`     // "" default, "unconfined", or a profile path
	SecurityOpt     []string `json:"securityOpt,omitempty"` // as given, for inspect
	// DefaultCapabilities are containers.conf's default_capabilities at
	// create, before CapAdd and CapDrop; nil is Docker's default set.
	DefaultCapabilities []string `json:"defaultCapabilities,omitempty"`

	// User namespace. UsernsMode is "" (none of the container's own),
	// "private" (--uidmap/--gidmap), or a --userns mode with its options.
	// UIDMap and GIDMap map container IDs to IDs of pod's own namespace;
	// auto's are storage's choice, recorded at create. KeepID is keep-id's
	// user.
	UsernsMode string                 `json:"usernsMode,omitempty"`
	UIDMap     []specs.LinuxIDMapping `json:"uidMap,omitempty"`
	GIDMap     []specs.LinuxIDMapping `json:"gidMap,omitempty"`
	KeepID     *KeepIDUser            `json:"keepId,omitempty"`

	// Limits.
	Ulimits []Ulimit `json:"ulimits,omitempty"`
	// Resources are the cgroup limits (--memory, --cpus, ..., changed by
	// `pod update`); nil is none.
	Resources    *specs.LinuxResources `json:"resources,omitempty"`
	CgroupParent string                `json:"cgroupParent,omitempty"`
	// CgroupName is the ID the container's cgroup is named after (pod-ID)
	// when it is not the container's own: a container created from a
	// checkpoint (restore --import) keeps the checkpointed container's,
	// since CRIU restores the processes into the cgroup they were dumped
	// from (runc before 1.2 cannot tell it to leave cgroups alone).
	CgroupName    string `json:"cgroupName,omitempty"`
	Cgroups       string `json:"cgroups,omitempty"`       // --cgroups: "" (enabled), no-conmon
	CgroupManager string `json:"cgroupManager,omitempty"` // cgroupfs
	CgroupNS      string `json:"cgroupns,omitempty"`      // --cgroupns: "" (the default for the host), host, private
	OOMScoreAdj   *int   `json:"oomScoreAdj,omitempty"`

	// Network.
	NetworkMode string                `json:"networkMode,omitempty"` // "" (private, loopback only), none, host, bridge, slirp4netns, container:ID, ns:PATH
	Networks    []network.Attachment  `json:"networks,omitempty"`    // bridge mode: the networks, in interface order
	Ports       []network.PortMapping `json:"ports,omitempty"`       // -p and -P; host port 0 is chosen at each start
	DNS         []string              `json:"dns,omitempty"`
	DNSSearch   []string              `json:"dnsSearch,omitempty"`
	DNSOptions  []string              `json:"dnsOptions,omitempty"`
	AddHosts    []string              `json:"addHosts,omitempty"` // NAME:IP

	// Lifecycle.
	StopSignal    string        `json:"stopSignal,omitempty"`  // e.g. "SIGTERM"
	StopTimeout   *int          `json:"stopTimeout,omitempty"` // seconds; nil means 10
	RestartPolicy RestartPolicy `json:"restartPolicy,omitempty"`
	AutoRemove    bool          `json:"autoRemove,omitempty"`  // --rm
	Healthcheck   *HealthConfig `json:"healthcheck,omitempty"` // nil: none
	// SdNotifyMode is --sdnotify: "" (conmon), "container" or "ignore".
	// It applies when pod starts the container with NOTIFY_SOCKET set.
	SdNotifyMode string `json:"sdNotifyMode,omitempty"`
	// CreateCommand is the command line that created the container, as
	// typed: `generate systemd --new` re-creates the container from it.
	CreateCommand []string `json:"createCommand,omitempty"`

	// Logging.
	LogDriver string            `json:"logDriver,omitempty"` // k8s-file (default), json-file, journald, none
	LogOpts   map[string]string `json:"logOpts,omitempty"`
	LogPath   string            `json:"logPath,omitempty"`

	// Namespaces and process extras (--ipc, --pid, --uts: "" private,
	// "host", "container:ID"; --group-add, --sysctl, --shm-size, --tz,
	// --read-only-tmpfs, --device, --rmi): see the engine's
	// container_extras.go.
	IpcMode       string            `json:"ipcMode,omitempty"`
	PidMode       string            `json:"pidMode,omitempty"`
	UtsMode       string            `json:"utsMode,omitempty"`
	GroupAdd      []string          `json:"groupAdd,omitempty"`
	Sysctls       map[string]string `json:"sysctls,omitempty"`
	ShmSize       int64             `json:"shmSize,omitempty"` // bytes; 0: the default
	Timezone      string            `json:"timezone,omitempty"`
	ReadOnlyTmpfs bool              `json:"readOnlyTmpfs,omitempty"`
	Devices       []DeviceConfig    `json:"devices,omitempty"`
	RemoveImage   bool              `json:"removeImage,omitempty"`
	Timeout       uint              `json:"timeout,omitempty"` // --timeout: seconds the container may run

	// Secrets are the --secret uses; their data was copied into the
	// container's own directory at create (the engine's
	// container_secrets.go).
	Secrets []SecretMount `json:"secrets,omitempty"`

	// Process extras (the engine's container_process.go). UnsetEnv and
	// UnsetEnvAll drop the variables pod adds itself (PATH, HOME, TERM,
	// HOSTNAME, container) unless the configuration sets them; Umask is
	// octal ("" is 0022); PidFile and ConmonPidFile receive the
	// container's and the monitor's PIDs at each start; NoHosts leaves the
	// image's /etc/hosts; Systemd is --systemd's init mode, decided at
	// create; Requires are the IDs of containers started first.
	UnsetEnv          []string     `json:"unsetEnv,omitempty"`
	UnsetEnvAll       bool         `json:"unsetEnvAll,omitempty"`
	Umask             string       `json:"umask,omitempty"`
	PidFile           string       `json:"pidFile,omitempty"`
	ConmonPidFile     string       `json:"conmonPidFile,omitempty"`
	NoHosts           bool         `json:"noHosts,omitempty"`
	Systemd           bool         `json:"systemd,omitempty"`
	SystemdMode       string       `json:"systemdMode,omitempty"` // --systemd as given: true, false, always
	Requires          []string     `json:"requires,omitempty"`
	DeviceCgroupRules []DeviceRule `json:"deviceCgroupRules,omitempty"`
	// NoPasswd is --passwd=false: no /etc/passwd entry is added for a
	// --user the image lacks; PasswdEntry is --passwd-entry's template;
	// HostUsers are the host's passwd lines of --hostuser.
	NoPasswd    bool     `json:"noPasswd,omitempty"`
	PasswdEntry string   `json:"passwdEntry,omitempty"`
	HostUsers   []string `json:"hostUsers,omitempty"`
	ChrootDirs  []string `json:"chrootDirs,omitempty"`
	// SeccompProfile is the image's own seccomp profile (JSON), chosen by
	// --seccomp-policy=image; written beside the bundle at each start.
	SeccompProfile string `json:"seccompProfile,omitempty"`
	Personality    string `json:"personality,omitempty"` // --personality: LINUX or LINUX32

	CreatedAt time.Time `json:"createdAt"`
}

// DeviceConfig is one --device.
type DeviceConfig struct {
	Host        string `json:"host"`
	Container   string `json:"container"`
	Permissions string `json:"permissions"`
}

// MountConfig is one mount the user asked for.
type MountConfig struct {
	Type        string   `json:"type"`             // bind, tmpfs, volume
	Source      string   `json:"source,omitempty"` // host path; a volume's name
	Destination string   `json:"destination"`
	Options     []string `json:"options,omitempty"` // ro, rw, size=..., mode=...
	// NoCopy keeps a new volume empty instead of filling it from the image
	// (nocopy, volume-nocopy).
	NoCopy bool `json:"noCopy,omitempty"`
	// Chown gives the source to the container's user at start (U).
	Chown bool `json:"chown,omitempty"`
	// NonRecursive binds without the mounts below the source
	// (bind-nonrecursive).
	NonRecursive bool `json:"nonRecursive,omitempty"`
}

// Ulimit is one --ulimit.
type Ulimit struct {
	Name string `json:"name"` // nofile, nproc, ... (without RLIMIT_)
	Soft uint64 `json:"soft"`
	Hard uint64 `json:"hard"`
}

// RestartPolicy is --restart: Name is "no", "on-failure", "always" or
// "unless-stopped"; MaxRetries applies to on-failure.
type RestartPolicy struct {
	Name       string `json:"name,omitempty"`
	MaxRetries int    `json:"maxRetries,omitempty"`
}
