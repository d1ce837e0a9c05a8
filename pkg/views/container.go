package views

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/pod-engine/pod/pkg/engine"
)

// ContainerRow is one container as `ps --format` templates see it, with
// podman's and Docker's field names.
type ContainerRow struct {
	ID           string // 12 characters unless not truncated
	Image        string
	ImageID      string
	Command      string // cut to 17 characters and "..." unless not truncated
	CreatedAt    time.Time
	CreatedHuman string // "5 minutes ago"
	RunningFor   string // as CreatedHuman
	State        string // running, exited, ...
	Status       string // "Up 3 seconds", "Exited (3) 2 seconds ago", with " (healthy)"
	Ports        string // "0.0.0.0:8080->80/tcp, ..."
	Names        string
	Networks     string // comma-separated
	Pid          int
	ExitCode     int
	Exited       bool
	ExitedAt     time.Time
	StartedAt    time.Time
	AutoRemove   bool
	Restarts     int
	Labels       Labels
	Mounts       string // the mounts' destinations, comma-separated
	Size         string // "RW (virtual ROOTFS)", when sizes were computed
	Pod          string // the pod's ID, 12 characters unless not truncated; "" for none
	PodName      string

	hasSize bool
}

// ContainerHeaders are ps's column titles that are not the field's name.
var ContainerHeaders = map[string]string{
	"ID":           "CONTAINER ID",
	"CreatedHuman": "CREATED",
	"RunningFor":   "CREATED",
	"Pod":          "POD ID",
	"PodName":      "PODNAME",
	"Pid":          "PID",
	// ps --ns
	"Namespaces.Cgroup": "CGROUPNS",
	"Namespaces.IPC":    "IPC",
	"Namespaces.MNT":    "MNT",
	"Namespaces.NET":    "NET",
	"Namespaces.PIDNS":  "PIDNS",
	"Namespaces.User":   "USERNS",
	"Namespaces.UTS":    "UTS",
}

// Namespaces are a running container's namespaces by inode number, as
// podman's ps --ns prints them; empty for one that does not run.
type Namespaces struct {
	Cgroup, IPC, MNT, NET, PIDNS, User, UTS string
}

// Namespaces reads the namespaces of the container's init process, only
// when a template asks for them.
func (r ContainerRow) Namespaces() Namespaces {
	if r.Pid <= 0 || (r.State != string(engine.StatusRunning) && r.State != string(engine.StatusPaused)) {
		return Namespaces{}
	}
	read := func(ns string) string {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", r.Pid, ns))
		if err != nil {
			return ""
		}
		// "ipc:[4026531839]"
		_, v, _ := strings.Cut(l, "[")
		return strings.TrimSuffix(v, "]")
	}
	return Namespaces{Cgroup: read("cgroup"), IPC: read("ipc"), MNT: read("mnt"), NET: read("net"),
		PIDNS: read("pid"), User: read("user"), UTS: read("uts")}
}

// Label is the value of one label: {{.Label "app"}}.
func (r ContainerRow) Label(name string) string { return r.Labels[name] }

// MarshalJSON makes {{json .}} print a row as Docker does: every column
// as a string.
func (r ContainerRow) MarshalJSON() ([]byte, error) {
	m := map[string]string{
		"ID": r.ID, "Image": r.Image, "Command": r.Command, "CreatedAt": r.CreatedAt.String(),
		"RunningFor": r.RunningFor, "Status": r.Status, "State": r.State, "Ports": r.Ports,
		"Names": r.Names, "Labels": r.Labels.String(), "Mounts": r.Mounts, "Networks": r.Networks,
	}
	if r.hasSize {
		m["Size"] = r.Size
	}
	return json.Marshal(m)
}

// ContainerRows makes the ps rows of list at time now; noTrunc keeps IDs
// and commands whole.
func ContainerRows(list []*engine.ListedContainer, now time.Time, noTrunc bool) []ContainerRow {
	rows := make([]ContainerRow, len(list))
	for i, c := range list {
		rows[i] = containerRow(c, now, noTrunc)
	}
	return rows
}

func containerRow(c *engine.ListedContainer, now time.Time, noTrunc bool) ContainerRow {
	r := ContainerRow{
		ID:         c.ID,
		Image:      c.ImageName,
		ImageID:    strings.TrimPrefix(c.ImageID, "sha256:"),
		Command:    c.Command,
		CreatedAt:  c.CreatedAt,
		State:      string(c.Status),
		Status:     psStatus(c, now),
		Ports:      formatPorts(c.Ports),
		Names:      c.Name,
		Networks:   strings.Join(c.Networks, ","),
		Pid:        c.PID,
		ExitCode:   c.ExitCode,
		Exited:     c.Status == engine.StatusExited,
		ExitedAt:   c.FinishedAt,
		StartedAt:  c.StartedAt,
		AutoRemove: c.Config.AutoRemove,
		Restarts:   c.RestartCount,
		Labels:     Labels(c.Labels),
		Mounts:     strings.Join(mountDestinations(c), ","),
		Pod:        c.PodID,
		PodName:    c.PodName,
	}
	r.CreatedHuman = units.HumanDuration(now.Sub(c.CreatedAt)) + " ago"
	r.RunningFor = r.CreatedHuman
	if !noTrunc {
		r.ID, r.ImageID, r.Pod = truncID(r.ID), truncID(r.ImageID), truncID(r.Pod)
		if len(r.Command) > 17 {
			r.Command = r.Command[:17] + "..."
		}
	}
	if c.SizeRootFs > 0 || c.SizeRw > 0 {
		r.hasSize = true
	}
	r.Size = fmt.Sprintf("%s (virtual %s)", units.HumanSizeWithPrecision(float64(c.SizeRw), 3),
		units.HumanSizeWithPrecision(float64(c.SizeRootFs), 3))
	return r
}

func mountDestinations(c *engine.ListedContainer) []string {
	var d []string
	for _, m := range c.Config.Mounts {
		d = append(d, m.Destination)
	}
	return d
}

// psStatus is the STATUS column: "Up 3 seconds", "Exited (3) 2 seconds
// ago", or the state's name capitalised; then the health, if any.
func psStatus(c *engine.ListedContainer, now time.Time) string {
	var s string
	switch c.Status {
	case engine.StatusRunning:
		s = "Up " + units.HumanDuration(now.Sub(c.StartedAt))
	case engine.StatusExited:
		s = fmt.Sprintf("Exited (%d) %s ago", c.ExitCode, units.HumanDuration(now.Sub(c.FinishedAt)))
	default:
		s = string(c.Status)
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
	}
	if c.Health != "" {
		s += " (" + c.Health + ")"
	}
	return s
}

func truncID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Labels print whole as Docker's k=v,k=v (sorted); {{index .Labels "k"}}
// and {{.Labels.k}} read one.
type Labels map[string]string

func (l Labels) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

// ContainerJSON is one element of `ps --format json`, with podman's keys.
type ContainerJSON struct {
	AutoRemove bool
	Command    []string
	Created    int64
	CreatedAt  string
	Exited     bool
	ExitedAt   int64
	ExitCode   int
	ID         string `json:"Id"`
	Image      string
	ImageID    string
	Labels     map[string]string
	Mounts     []string
	Names      []string
	Networks   []string
	Pid        int
	Pod        string
	PodName    string
	Ports      []PortJSON
	Restarts   int
	Size       *ContainerSize `json:",omitempty"`
	StartedAt  int64
	State      string
	Status     string
}

// ContainerSize is ps --size's disk usage in bytes.
type ContainerSize struct {
	RootFsSize int64
	RwSize     int64
}

// ContainerList is `ps --format json`: list at time now.
func ContainerList(list []*engine.ListedContainer, now time.Time) []ContainerJSON {
	out := make([]ContainerJSON, 0, len(list))
	for _, c := range list {
		row := containerRow(c, now, true)
		j := ContainerJSON{
			AutoRemove: c.Config.AutoRemove,
			Command:    append(append([]string{}, c.Config.Entrypoint...), c.Config.Cmd...),
			Created:    c.CreatedAt.Unix(),
			CreatedAt:  row.CreatedHuman,
			Exited:     row.Exited,
			ExitedAt:   c.FinishedAt.Unix(),
			ExitCode:   c.ExitCode,
			ID:         c.ID,
			Image:      c.ImageName,
			ImageID:    row.ImageID,
			Labels:     c.Labels,
			Mounts:     append([]string{}, mountDestinations(c)...),
			Names:      []string{c.Name},
			Networks:   append([]string{}, c.Networks...),
			Pid:        c.PID,
			Pod:        c.PodID,
			PodName:    c.PodName,
			Ports:      portsJSON(c.Ports),
			Restarts:   c.RestartCount,
			StartedAt:  c.StartedAt.Unix(),
			State:      row.State,
			Status:     row.Status,
		}
		if c.SizeRootFs > 0 || c.SizeRw > 0 {
			j.Size = &ContainerSize{RootFsSize: c.SizeRootFs, RwSize: c.SizeRw}
		}
		out = append(out, j)
	}
	return out
}
