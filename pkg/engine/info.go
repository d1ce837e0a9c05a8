package engine

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/containers/image/v5/pkg/sysregistriesv2"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/version"
)

// Info describes the host, the store and the OCI runtime, as `pod info`
// shows them: podman's field names, Go's and JSON's, so that scripts
// written for `podman info --format` ({{.Host.Security.Rootless}},
// {{.Store.GraphDriverName}}) and its JSON keys work unchanged.
type Info struct {
	Host       HostInfo       `json:"host"`
	Store      StoreInfo      `json:"store"`
	Registries RegistriesInfo `json:"registries"`
	Version    VersionInfo    `json:"version"`
}

// HostInfo is podman's host section.
type HostInfo struct {
	Arch           string           `json:"arch"`
	CgroupManager  string           `json:"cgroupManager"`
	CgroupsVersion string           `json:"cgroupVersion"`
	CgroupLayout   string           `json:"cgroupLayout"` // pod's: v1, hybrid or v2
	Conmon         ProgramInfo      `json:"conmon"`
	CPUs           int              `json:"cpus"`
	Distribution   DistributionInfo `json:"distribution"`
	EventLogger    string           `json:"eventLogger"`
	Hostname       string           `json:"hostname"`
	IDMappings     IDMappingsInfo   `json:"idMappings"`
	Kernel         string           `json:"kernel"`
	LogDriver      string           `json:"logDriver"`
	MemFree        int64            `json:"memFree"`
	MemTotal       int64            `json:"memTotal"`
	NetworkBackend string           `json:"networkBackend"`
	OCIRuntime     RuntimeInfo      `json:"ociRuntime"`
	OS             string           `json:"os"`
	Security       SecurityInfo     `json:"security"`
	SwapFree       int64            `json:"swapFree"`
	SwapTotal      int64            `json:"swapTotal"`
	Uptime         string           `json:"uptime"`
	// Rootless is Security.Rootless, where pod's earlier releases had it.
	Rootless bool `json:"-"`
}

// ProgramInfo names a helper program pod runs.
type ProgramInfo struct {
	Package string `json:"package"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

// RuntimeInfo is the OCI runtime's entry.
type RuntimeInfo struct {
	Name    string `json:"name"`
	Package string `json:"package"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

// DistributionInfo is the host's /etc/os-release.
type DistributionInfo struct {
	Distribution string `json:"distribution"`
	Version      string `json:"version"`
	Codename     string `json:"codename,omitempty"`
}

// IDMappingsInfo are the maps of pod's user namespace (rootless only).
type IDMappingsInfo struct {
	GIDMap []IDMap `json:"gidmap"`
	UIDMap []IDMap `json:"uidmap"`
}

// IDMap is one line of a uid_map or gid_map.
type IDMap struct {
	ContainerID int `json:"container_id"`
	HostID      int `json:"host_id"`
	Size        int `json:"size"`
}

// SecurityInfo is podman's host.security.
type SecurityInfo struct {
	AppArmorEnabled     bool   `json:"apparmorEnabled"`
	DefaultCapabilities string `json:"capabilities"`
	Rootless            bool   `json:"rootless"`
	SECCOMPEnabled      bool   `json:"seccompEnabled"`
	SECCOMPProfilePath  string `json:"seccompProfilePath"`
	SELinuxEnabled      bool   `json:"selinuxEnabled"`
}

// StoreInfo is podman's store section.
type StoreInfo struct {
	ContainerStore  ContainerStore    `json:"containerStore"`
	GraphDriverName string            `json:"graphDriverName"`
	GraphOptions    []string          `json:"graphOptions"`
	GraphRoot       string            `json:"graphRoot"`
	GraphStatus     map[string]string `json:"graphStatus"`
	ImageCopyTmpDir string            `json:"imageCopyTmpDir"`
	ImageStore      ImageStore        `json:"imageStore"`
	RunRoot         string            `json:"runRoot"`
	VolumePath      string            `json:"volumePath"`
}

// ContainerStore counts containers by state.
type ContainerStore struct {
	Number  int `json:"number"`
	Paused  int `json:"paused"`
	Running int `json:"running"`
	Stopped int `json:"stopped"`
}

// ImageStore counts images.
type ImageStore struct {
	Number int `json:"number"`
}

// RegistriesInfo is registries.conf's search list.
type RegistriesInfo struct {
	Search []string `json:"search"`
}

// VersionInfo is pod's own version, under podman's names.
type VersionInfo struct {
	APIVersion string `json:"APIVersion"`
	Version    string `json:"Version"`
	GoVersion  string `json:"GoVersion"`
	GitCommit  string `json:"GitCommit"`
	BuiltTime  string `json:"BuiltTime"`
	Built      int64  `json:"Built"`
	OsArch     string `json:"OsArch"`
	Os         string `json:"Os"`
}

// Info gathers host, store and runtime facts. It may run the OCI runtime
// once (for its version), so commands on the hot path must not call it.
func (r *Runtime) Info(ctx context.Context) (*Info, error) {
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	hostname, _ := os.Hostname()
	mode := cgroups.Detect()
	conf := r.Config()
	info := &Info{
		Host: HostInfo{
			Arch:           runtime.GOARCH,
			CgroupManager:  r.cgroupManager(),
			CgroupsVersion: mode.Version(),
			CgroupLayout:   string(mode),
			CPUs:           runtime.NumCPU(),
			Distribution:   distribution(),
			EventLogger:    conf.EventsLogger(),
			Hostname:       hostname,
			Kernel:         unix.ByteSliceToString(uts.Release[:]),
			LogDriver:      conf.LogDriver(),
			NetworkBackend: "pod",
			OS:             runtime.GOOS,
			Security:       securityInfo(r.Rootless(), r.defaultCapabilities()),
			Rootless:       r.Rootless(),
		},
		Store: StoreInfo{
			GraphRoot:       r.store.GraphRoot(),
			RunRoot:         r.store.RunRoot(),
			GraphDriverName: r.store.GraphDriverName(),
			GraphOptions:    orEmpty(r.store.GraphOptions()),
			GraphStatus:     map[string]string{},
			ImageCopyTmpDir: r.store.TempDir(),
			VolumePath:      r.volumes().Root(),
		},
		Version: VersionInfo{
			APIVersion: version.Version, Version: version.Version, GoVersion: runtime.Version(),
			GitCommit: version.GitCommit, BuiltTime: version.BuildDate,
			OsArch: runtime.GOOS + "/" + runtime.GOARCH, Os: runtime.GOOS,
		},
	}
	if t, err := time.Parse(time.RFC3339, version.BuildDate); err == nil {
		info.Version.Built = t.Unix()
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		unit := int64(si.Unit)
		info.Host.MemTotal, info.Host.MemFree = int64(si.Totalram)*unit, int64(si.Freeram)*unit
		info.Host.SwapTotal, info.Host.SwapFree = int64(si.Totalswap)*unit, int64(si.Freeswap)*unit
		info.Host.Uptime = (time.Duration(si.Uptime) * time.Second).String()
	}
	if r.Rootless() {
		info.Host.IDMappings = IDMappingsInfo{UIDMap: readIDMap("/proc/self/uid_map"), GIDMap: readIDMap("/proc/self/gid_map")}
	}
	if p, err := conmon.FindBinary(); err == nil {
		info.Host.Conmon.Path = p
		info.Host.Conmon.Version = "pod-conmon " + version.Version
	}
	if path, err := oci.Find(r.opts.OCIRuntime); err == nil {
		info.Host.OCIRuntime.Path = path
		info.Host.OCIRuntime.Name = path[strings.LastIndex(path, "/")+1:]
		info.Host.OCIRuntime.Version, _ = oci.Version(ctx, path)
	}
	if d, err := r.store.GraphDriver(); err == nil {
		for _, kv := range d.Status() {
			info.Store.GraphStatus[kv[0]] = kv[1]
		}
	}
	if imgs, err := r.store.Images(); err == nil {
		info.Store.ImageStore.Number = len(imgs)
	}
	if cs, err := r.db.List(ctx); err == nil {
		cst := &info.Store.ContainerStore
		cst.Number = len(cs)
		for _, c := range cs {
			switch {
			case c.Status == state.StatusPaused:
				cst.Paused++
			case isActive(c.Status):
				cst.Running++
			default:
				cst.Stopped++
			}
		}
	}
	if search, err := sysregistriesv2.UnqualifiedSearchRegistries(r.SystemContext()); err == nil {
		info.Registries.Search = search
	}
	if info.Registries.Search == nil {
		info.Registries.Search = []string{}
	}
	return info, nil
}

func securityInfo(rootless bool, caps []string) SecurityInfo {
	s := SecurityInfo{Rootless: rootless, DefaultCapabilities: strings.Join(caps, ",")}
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil {
		s.AppArmorEnabled = strings.TrimSpace(string(b)) == "Y"
	}
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		s.SELinuxEnabled = true
	}
	// The kernel has seccomp filters when prctl answers for them.
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err == nil {
		s.SECCOMPEnabled = true
	}
	return s
}

// distribution reads the host's name and release from os-release.
func distribution() DistributionInfo {
	var d DistributionInfo
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return d
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			d.Distribution = v
		case "VERSION_ID":
			d.Version = v
		case "VERSION_CODENAME":
			d.Codename = v
		}
	}
	return d
}

func readIDMap(path string) []IDMap {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []IDMap
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m IDMap
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		var err error
		if m.ContainerID, err = strconv.Atoi(f[0]); err != nil {
			continue
		}
		if m.HostID, err = strconv.Atoi(f[1]); err != nil {
			continue
		}
		if m.Size, err = strconv.Atoi(f[2]); err != nil {
			continue
		}
		out = append(out, m)
	}
	return out
}
