package engine

import (
	"context"
	"os"
	"runtime"
	"strings"

	"github.com/containers/image/v5/pkg/sysregistriesv2"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/version"
)

// Info describes the host, the store and the OCI runtime, as `pod info` shows.
type Info struct {
	Host       HostInfo       `json:"host"`
	Store      StoreInfo      `json:"store"`
	Registries RegistriesInfo `json:"registries"`
	Version    VersionInfo    `json:"version"`
}

type HostInfo struct {
	Arch          string      `json:"arch"`
	OS            string      `json:"os"`
	Kernel        string      `json:"kernel"`
	Hostname      string      `json:"hostname"`
	CPUs          int         `json:"cpus"`
	CgroupVersion string      `json:"cgroupVersion"`
	CgroupLayout  string      `json:"cgroupLayout"`
	CgroupManager string      `json:"cgroupManager"`
	Rootless      bool        `json:"rootless"`
	OCIRuntime    RuntimeInfo `json:"ociRuntime"`
}

type RuntimeInfo struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

type StoreInfo struct {
	GraphRoot     string            `json:"graphRoot"`
	RunRoot       string            `json:"runRoot"`
	GraphDriver   string            `json:"graphDriverName"`
	GraphOptions  []string          `json:"graphOptions"`
	GraphStatus   map[string]string `json:"graphStatus"`
	ImageCount    int               `json:"imageCount"`
	ContainerDirs int               `json:"-"`
}

type RegistriesInfo struct {
	Search []string `json:"search"`
}

type VersionInfo struct {
	Version   string `json:"Version"`
	GoVersion string `json:"GoVersion"`
	OsArch    string `json:"OsArch"`
}

// Info gathers host, store and runtime facts. It may run the OCI runtime
// once (for its version), so commands on the hot path must not call it.
func (r *Runtime) Info(ctx context.Context) (*Info, error) {
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	hostname, _ := os.Hostname()
	mode := cgroups.Detect()
	info := &Info{
		Host: HostInfo{
			Arch:          runtime.GOARCH,
			OS:            runtime.GOOS,
			Kernel:        unix.ByteSliceToString(uts.Release[:]),
			Hostname:      hostname,
			CPUs:          runtime.NumCPU(),
			CgroupVersion: mode.Version(),
			CgroupLayout:  string(mode),
			CgroupManager: r.cgroupManager(),
			Rootless:      r.Rootless(),
		},
		Store: StoreInfo{
			GraphRoot:    r.store.GraphRoot(),
			RunRoot:      r.store.RunRoot(),
			GraphDriver:  r.store.GraphDriverName(),
			GraphOptions: r.store.GraphOptions(),
			GraphStatus:  map[string]string{},
		},
		Version: VersionInfo{Version: version.Version, GoVersion: runtime.Version(), OsArch: runtime.GOOS + "/" + runtime.GOARCH},
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
		info.Store.ImageCount = len(imgs)
	}
	if search, err := sysregistriesv2.UnqualifiedSearchRegistries(r.SystemContext()); err == nil {
		info.Registries.Search = search
	}
	if info.Registries.Search == nil {
		info.Registries.Search = []string{}
	}
	return info, nil
}
