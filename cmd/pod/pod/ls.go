package pod

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

type lsOptions struct {
	quiet, noTrunc, ctrNames, ctrIDs, ctrStatus, noHeading, latest, ns bool
	filters                                                            []string
	format, sort                                                       string
}

func newListCommand(g *cli.Globals) *cobra.Command {
	var o lsOptions
	c := &cobra.Command{
		Use:     "ps [options]",
		Aliases: []string{"ls", "list"},
		Short:   "List pods",
		Long:    "List pods, newest first: ID, name, status, age, infra container and number of containers.",
		Args:    cobra.NoArgs,
		Example: "pod pod ps --ctr-names\n  pod pod ls --filter status=running --format '{{.ID}} {{.Name}}'",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd, g, &o)
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only pod IDs")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "do not truncate pod and container IDs")
	f.BoolVar(&o.ctrNames, "ctr-names", false, "show the names of the pod's containers")
	f.BoolVar(&o.ctrIDs, "ctr-ids", false, "show the IDs of the pod's containers")
	f.BoolVar(&o.ctrStatus, "ctr-status", false, "show the status of the pod's containers")
	f.BoolVar(&o.noHeading, "noheading", false, "do not print the header row")
	f.BoolVar(&o.ns, "ns", false, "show the pod's cgroup and the namespaces its containers share")
	f.BoolVarP(&o.latest, "latest", "l", false, "show only the latest pod")
	f.StringArrayVarP(&o.filters, "filter", "f", nil, "filter output: id=, name=, label=, label!=, status=, ctr-names=, ctr-ids=, ctr-status=, ctr-number=, until=")
	f.StringVar(&o.format, "format", "", "format the output with a Go template, 'table TEMPLATE' or 'json'")
	f.StringVar(&o.sort, "sort", "created", "sort by created, id, name, number or status")
	return c
}

// podRow is what a pod ls template sees: podman's field names.
type podRow struct {
	p       *engine.ListedPod
	noTrunc bool
	now     time.Time
}

func (r podRow) short(id string) string {
	if r.noTrunc || len(id) < 12 {
		return id
	}
	return id[:12]
}

func (r podRow) ID() string       { return r.short(r.p.ID) }
func (r podRow) Name() string     { return r.p.Name }
func (r podRow) Status() string   { return r.p.Status }
func (r podRow) Created() string  { return units.HumanDuration(r.now.Sub(r.p.CreatedAt)) + " ago" }
func (r podRow) InfraID() string  { return r.short(r.p.InfraID) }
func (r podRow) Labels() string   { return labelList(r.p.Labels) }
func (r podRow) Networks() string { return strings.Join(r.p.Networks, ",") }

// Cgroup is the pod's own cgroup, or the parent its containers get.
func (r podRow) Cgroup() string {
	if r.p.Config.CgroupPath != "" {
		return r.p.Config.CgroupPath
	}
	return r.p.Config.CgroupParent
}

// Namespaces are the namespaces the pod's containers share.
func (r podRow) Namespaces() string { return strings.Join(r.p.Config.Share, ",") }
func (r podRow) NumberOfContainers() string {
	return strconv.Itoa(len(r.p.Containers))
}
func (r podRow) ContainerNames() string {
	return r.join(func(c *engine.Container) string { return c.Name })
}
func (r podRow) ContainerIds() string {
	return r.join(func(c *engine.Container) string { return r.short(c.ID) })
}
func (r podRow) ContainerStatuses() string {
	return r.join(func(c *engine.Container) string { return string(c.Status) })
}

func (r podRow) join(f func(c *engine.Container) string) string {
	out := make([]string, len(r.p.Containers))
	for i, c := range r.p.Containers {
		out[i] = f(c)
	}
	return strings.Join(out, ",")
}

func labelList(l map[string]string) string {
	var out []string
	for k, v := range l {
		out = append(out, k+"="+v)
	}
	return strings.Join(out, ",")
}

// podHeaders are podman's column titles that are not the field's name.
var podHeaders = map[string]string{
	"ID":                 "POD ID",
	"InfraID":            "INFRA ID",
	"NumberOfContainers": "# OF CONTAINERS",
	"ContainerNames":     "NAMES",
	"ContainerIds":       "IDS",
	"ContainerStatuses":  "STATUS",
	"Cgroup":             "CGROUP",
	"Namespaces":         "NAMESPACES",
}

func runList(cmd *cobra.Command, g *cli.Globals, o *lsOptions) error {
	now := time.Now()
	filter, err := engine.ParsePodFilter(o.filters, now)
	if err != nil {
		return err
	}
	if err := sortPods(nil, o.sort); err != nil {
		return err
	}
	ctx := cmd.Context()
	rt, err := g.OpenContainers(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	list, err := rt.ListPods(ctx, filter)
	if err != nil {
		return err
	}
	if o.latest && len(list) > 1 {
		list = list[:1]
	}
	_ = sortPods(list, o.sort)
	rows := make([]podRow, len(list))
	for i, p := range list {
		rows[i] = podRow{p: p, noTrunc: o.noTrunc, now: now}
	}
	switch {
	case o.format == "json":
		return writeListJSON(g, rows)
	case o.quiet && o.format == "":
		for _, r := range rows {
			fmt.Fprintln(g.Stdout, r.ID())
		}
		return nil
	}
	format := o.format
	if format == "" {
		format = "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}"
		if o.ctrIDs {
			format += "\t{{.ContainerIds}}"
		}
		if o.ctrNames {
			format += "\t{{.ContainerNames}}"
		}
		if o.ctrStatus {
			format += "\t{{.ContainerStatuses}}"
		}
		if !o.ctrIDs && !o.ctrNames && !o.ctrStatus {
			format += "\t{{.NumberOfContainers}}"
		}
		if o.ns {
			format += "\t{{.Cgroup}}\t{{.Namespaces}}"
		}
	}
	return cli.Render(g.Stdout, format, rows, cli.View{Headers: podHeaders, NoHeading: o.noHeading})
}

// podListJSON is podman's `pod ps --format json` entry.
type podListJSON struct {
	Cgroup     string             `json:"Cgroup"`
	Containers []podListContainer `json:"Containers"`
	Created    time.Time          `json:"Created"`
	ID         string             `json:"Id"`
	InfraID    string             `json:"InfraId"`
	Name       string             `json:"Name"`
	Namespace  string             `json:"Namespace"`
	Networks   []string           `json:"Networks"`
	Status     string             `json:"Status"`
	Labels     map[string]string  `json:"Labels"`
}

type podListContainer struct {
	ID     string `json:"Id"`
	Names  string `json:"Names"`
	Status string `json:"Status"`
}

func writeListJSON(g *cli.Globals, rows []podRow) error {
	out := []podListJSON{}
	for _, r := range rows {
		j := podListJSON{Created: r.p.CreatedAt, ID: r.p.ID, InfraID: r.p.InfraID, Name: r.p.Name,
			Status: r.p.Status, Labels: r.p.Labels, Networks: append([]string{}, r.p.Networks...),
			Containers: []podListContainer{}, Cgroup: r.Cgroup()}
		if j.Labels == nil {
			j.Labels = map[string]string{}
		}
		for _, c := range r.p.Containers {
			j.Containers = append(j.Containers, podListContainer{ID: c.ID, Names: c.Name, Status: string(c.Status)})
		}
		out = append(out, j)
	}
	b, err := json.MarshalIndent(out, "", "     ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(g.Stdout, string(b))
	return err
}
