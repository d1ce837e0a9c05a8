package container

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

type psOptions struct {
	all, latest, quiet, noTrunc, size, noHeading bool
	external, ns                                 bool
	last                                         int
	filters                                      []string
	format, sort                                 string
}

func newPsCommand(g *cli.Globals) *cobra.Command {
	var o psOptions
	cmd := &cobra.Command{
		Use:     "ps [options]",
		Short:   "List containers",
		Long:    "List containers: the running ones, or with -a all of them, newest first.",
		Args:    cobra.NoArgs,
		Example: "pod ps -a\n  pod ps --filter status=exited --format '{{.ID}} {{.Names}}'",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPs(cmd, g, &o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "show all containers, not only running ones")
	f.BoolVarP(&o.latest, "latest", "l", false, "show only the latest created container (any state)")
	f.IntVarP(&o.last, "last", "n", -1, "show the n last created containers (any state)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only container IDs")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "do not truncate IDs and commands")
	f.BoolVarP(&o.size, "size", "s", false, "show the containers' disk usage")
	f.BoolVar(&o.noHeading, "noheading", false, "do not print the header row")
	f.StringArrayVarP(&o.filters, "filter", "f", nil, "filter output: id=, name=, label=, label!=, status=, exited=, ancestor=, before=, since=, until=")
	f.StringVar(&o.format, "format", "", "format the output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVar(&o.ns, "ns", false, "show the namespaces of running containers (podman's columns: PID, CGROUPNS, IPC, MNT, NET, PIDNS, USERNS, UTS)")
	f.BoolVar(&o.external, "external", false, "show the containers of storage that pod does not know too (status Storage)")
	f.StringVar(&o.sort, "sort", "created", "sort by command, created (newest first), id, image, names, runningfor, size or status")
	return cmd
}

func runPs(cmd *cobra.Command, g *cli.Globals, o *psOptions) (err error) {
	if o.latest && o.last >= 0 {
		return fmt.Errorf("--latest and --last are mutually exclusive")
	}
	if o.quiet && o.size {
		return fmt.Errorf("--quiet conflicts with --size")
	}
	now := time.Now()
	filter, err := engine.ParseContainerFilter(o.filters, now)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	r, err := g.OpenContainers(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	list, err := r.ListContainers(ctx, engine.ListOptions{
		All: o.all, Latest: o.latest, Last: o.last, Filter: filter,
		Size:     o.size || o.sort == "size" || strings.Contains(o.format, ".Size"),
		External: o.external,
	})
	if err != nil {
		return err
	}
	if err := sortContainers(list, o.sort); err != nil {
		return err
	}
	rows := make([]psRow, len(list))
	for i, c := range list {
		rows[i] = psRow{c: c, noTrunc: o.noTrunc, now: now}
	}
	// One write for the whole listing rather than several per row.
	bw := bufio.NewWriter(g.Stdout)
	defer func() {
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
	}()
	w := io.Writer(bw)
	switch {
	case o.format == "json":
		return writePsJSON(w, rows)
	case o.quiet && o.format == "":
		for _, row := range rows {
			fmt.Fprintln(w, row.ID())
		}
		return nil
	}
	format := o.format
	if format == "" {
		format = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
		if o.size {
			format += "\t{{.Size}}"
		}
		if o.ns {
			format = "table {{.ID}}\t{{.Names}}\t{{.Pid}}\t{{.Namespaces.Cgroup}}\t{{.Namespaces.IPC}}\t{{.Namespaces.MNT}}\t{{.Namespaces.NET}}\t{{.Namespaces.PIDNS}}\t{{.Namespaces.User}}\t{{.Namespaces.UTS}}"
		}
	}
	tmpl, table, err := cli.ParseTemplate(format)
	if err != nil {
		return err
	}
	if !table {
		for _, row := range rows {
			if err := tmpl.Execute(w, row); err != nil {
				return fmt.Errorf("execute --format template: %w", err)
			}
		}
		return nil
	}
	// Podman's table layout: columns at least 12 wide, two spaces apart.
	tw := tabwriter.NewWriter(w, 12, 2, 2, ' ', 0)
	if !o.noHeading {
		if err := tmpl.Execute(tw, psHeader{}); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
	}
	for _, row := range rows {
		if err := tmpl.Execute(tw, row); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
	}
	return tw.Flush()
}

// psHeader is what a ps table template sees for its header row: every
// field of psRow, each giving its column title.
type psHeader struct{}

func (psHeader) ID() string { return "CONTAINER ID" }
func (psHeader) Namespaces() psNamespaces {
	return psNamespaces{Cgroup: "CGROUPNS", IPC: "IPC", MNT: "MNT", NET: "NET", PIDNS: "PIDNS", User: "USERNS", UTS: "UTS"}
}
func (psHeader) Image() string        { return "IMAGE" }
func (psHeader) ImageID() string      { return "IMAGE ID" }
func (psHeader) Command() string      { return "COMMAND" }
func (psHeader) CreatedAt() string    { return "CREATED AT" }
func (psHeader) CreatedHuman() string { return "CREATED" }
func (psHeader) RunningFor() string   { return "CREATED" }
func (psHeader) State() string        { return "STATE" }
func (psHeader) Status() string       { return "STATUS" }
func (psHeader) Ports() string        { return "PORTS" }
func (psHeader) Names() string        { return "NAMES" }
func (psHeader) Networks() string     { return "NETWORKS" }
func (psHeader) Pid() string          { return "PID" }
func (psHeader) ExitCode() string     { return "EXIT CODE" }
func (psHeader) Exited() string       { return "EXITED" }
func (psHeader) ExitedAt() string     { return "EXITED AT" }
func (psHeader) StartedAt() string    { return "STARTED AT" }
func (psHeader) AutoRemove() string   { return "AUTO REMOVE" }
func (psHeader) Restarts() string     { return "RESTARTS" }
func (psHeader) Labels() string       { return "LABELS" }
func (psHeader) Label(string) string  { return "LABEL" }
func (psHeader) Mounts() string       { return "MOUNTS" }
func (psHeader) Size() string         { return "SIZE" }

// psRow is what a ps --format template sees: podman's and Docker's field
// names, as methods so each is computed only when printed.
type psRow struct {
	c       *engine.ListedContainer
	noTrunc bool
	now     time.Time
}

func (p psRow) ID() string {
	if p.noTrunc {
		return p.c.ID
	}
	return truncID(p.c.ID)
}

func (p psRow) Image() string { return p.c.ImageName }

func (p psRow) ImageID() string {
	id := strings.TrimPrefix(p.c.ImageID, "sha256:")
	if p.noTrunc {
		return id
	}
	return truncID(id)
}

// Command is the command line, cut to 17 characters and "..." as podman
// does unless --no-trunc.
func (p psRow) Command() string {
	cmd := p.c.Container.Command
	if !p.noTrunc && len(cmd) > 17 {
		return cmd[:17] + "..."
	}
	return cmd
}

func (p psRow) CreatedAt() string    { return p.c.CreatedAt.String() }
func (p psRow) CreatedHuman() string { return units.HumanDuration(p.now.Sub(p.c.CreatedAt)) + " ago" }
func (p psRow) RunningFor() string   { return p.CreatedHuman() }
func (p psRow) State() string        { return string(p.c.Status) }
func (p psRow) Status() string {
	return psStatus(p.c.Container.Container, p.now) + healthSuffix(p.c.Health)
}
func (p psRow) Ports() string     { return formatPorts(p.c.Ports) }
func (p psRow) Names() string     { return p.c.Name }
func (p psRow) Networks() string  { return strings.Join(p.c.Networks, ",") }
func (p psRow) Pid() int          { return p.c.PID }
func (p psRow) ExitCode() int     { return p.c.ExitCode }
func (p psRow) Exited() bool      { return p.c.Status == state.StatusExited }
func (p psRow) ExitedAt() string  { return p.c.FinishedAt.String() }
func (p psRow) StartedAt() string { return p.c.StartedAt.String() }
func (p psRow) AutoRemove() bool  { return p.c.Config.AutoRemove }
func (p psRow) Restarts() int     { return p.c.RestartCount }

// Labels is a map so that {{index .Labels "k"}} works; printed whole it is
// Docker's k=v,k=v.
func (p psRow) Labels() labelMap         { return labelMap(p.c.Labels) }
func (p psRow) Label(name string) string { return p.c.Labels[name] }

// Mounts lists the destinations of the container's mounts.
func (p psRow) Mounts() string {
	var d []string
	for _, m := range p.c.Config.Mounts {
		d = append(d, m.Destination)
	}
	return strings.Join(d, ",")
}

// Size is "RW (virtual ROOTFS)", as podman prints it.
func (p psRow) Size() string {
	return fmt.Sprintf("%s (virtual %s)", units.HumanSizeWithPrecision(float64(p.c.SizeRw), 3),
		units.HumanSizeWithPrecision(float64(p.c.SizeRootFs), 3))
}

// MarshalJSON makes {{json .}} print a row as Docker does: every column
// as a string.
func (p psRow) MarshalJSON() ([]byte, error) {
	m := map[string]string{
		"ID": p.ID(), "Image": p.Image(), "Command": p.Command(), "CreatedAt": p.CreatedAt(),
		"RunningFor": p.RunningFor(), "Status": p.Status(), "State": p.State(), "Ports": p.Ports(),
		"Names": p.Names(), "Labels": p.Labels().String(), "Mounts": p.Mounts(), "Networks": p.Networks(),
	}
	if p.c.SizeRootFs > 0 || p.c.SizeRw > 0 {
		m["Size"] = p.Size()
	}
	return json.Marshal(m)
}

type labelMap map[string]string

func (l labelMap) String() string {
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

// psStatus is the STATUS column: "Up 3 seconds", "Exited (3) 2 seconds
// ago", or the state's name capitalised.
func psStatus(c *state.Container, now time.Time) string {
	switch c.Status {
	case state.StatusRunning:
		return "Up " + units.HumanDuration(now.Sub(c.StartedAt))
	case state.StatusExited:
		return fmt.Sprintf("Exited (%d) %s ago", c.ExitCode, units.HumanDuration(now.Sub(c.FinishedAt)))
	}
	s := string(c.Status)
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func truncID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// psJSON is one element of `ps --format json`, with podman's keys.
type psJSON struct {
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
	Ports      []any
	Restarts   int
	Size       *psSize `json:",omitempty"`
	StartedAt  int64
	State      string
	Status     string
}

type psSize struct {
	RootFsSize int64
	RwSize     int64
}

func writePsJSON(w io.Writer, rows []psRow) error {
	out := make([]psJSON, 0, len(rows))
	for _, p := range rows {
		c := p.c
		j := psJSON{
			AutoRemove: c.Config.AutoRemove,
			Command:    append(append([]string{}, c.Config.Entrypoint...), c.Config.Cmd...),
			Created:    c.CreatedAt.Unix(),
			CreatedAt:  p.CreatedHuman(),
			Exited:     c.Status == state.StatusExited,
			ExitedAt:   c.FinishedAt.Unix(),
			ExitCode:   c.ExitCode,
			ID:         c.ID,
			Image:      c.ImageName,
			ImageID:    strings.TrimPrefix(c.ImageID, "sha256:"),
			Labels:     c.Labels,
			Mounts:     []string{},
			Names:      []string{c.Name},
			Networks:   append([]string{}, c.Networks...),
			Pid:        c.PID,
			Ports:      portsJSON(c.Ports),
			Restarts:   c.RestartCount,
			StartedAt:  c.StartedAt.Unix(),
			State:      string(c.Status),
			Status:     p.Status(),
		}
		for _, m := range c.Config.Mounts {
			j.Mounts = append(j.Mounts, m.Destination)
		}
		if c.SizeRootFs > 0 || c.SizeRw > 0 {
			j.Size = &psSize{RootFsSize: c.SizeRootFs, RwSize: c.SizeRw}
		}
		out = append(out, j)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// sortContainers orders ps's rows as podman's --sort: created and
// runningfor newest first (the engine's order), size largest first, the
// others ascending.
func sortContainers(list []*engine.ListedContainer, by string) error {
	var less func(a, b *engine.ListedContainer) bool
	switch by {
	case "", "created", "runningfor":
		return nil
	case "command":
		less = func(a, b *engine.ListedContainer) bool { return a.Command < b.Command }
	case "id":
		less = func(a, b *engine.ListedContainer) bool { return a.ID < b.ID }
	case "image":
		less = func(a, b *engine.ListedContainer) bool { return a.ImageName < b.ImageName }
	case "names":
		less = func(a, b *engine.ListedContainer) bool { return a.Name < b.Name }
	case "size":
		less = func(a, b *engine.ListedContainer) bool { return a.SizeRw > b.SizeRw }
	case "status":
		less = func(a, b *engine.ListedContainer) bool { return a.Status < b.Status }
	default:
		return errdefs.InvalidArgumentf("invalid --sort %q: use command, created, id, image, names, runningfor, size or status", by)
	}
	sort.SliceStable(list, func(i, j int) bool { return less(list[i], list[j]) })
	return nil
}

// psNamespaces are a running container's namespaces, by inode number as
// podman's ps --ns prints them; empty for one that does not run.
type psNamespaces struct {
	Cgroup, IPC, MNT, NET, PIDNS, User, UTS string
}

// Namespaces reads the namespaces of the container's init process.
func (p psRow) Namespaces() psNamespaces {
	if p.c.PID <= 0 || p.c.Status != state.StatusRunning && p.c.Status != state.StatusPaused {
		return psNamespaces{}
	}
	read := func(ns string) string {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", p.c.PID, ns))
		if err != nil {
			return ""
		}
		// "ipc:[4026531839]"
		_, v, _ := strings.Cut(l, "[")
		return strings.TrimSuffix(v, "]")
	}
	return psNamespaces{Cgroup: read("cgroup"), IPC: read("ipc"), MNT: read("mnt"), NET: read("net"), PIDNS: read("pid"), User: read("user"), UTS: read("uts")}
}
