package volume

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// volumeJSON is a volume as `volume inspect` and `volume ls --format json`
// print it: podman's field names.
type volumeJSON struct {
	Name        string            `json:"Name"`
	Driver      string            `json:"Driver"`
	Mountpoint  string            `json:"Mountpoint"`
	CreatedAt   string            `json:"CreatedAt"`
	Labels      map[string]string `json:"Labels"`
	Scope       string            `json:"Scope"`
	Options     map[string]string `json:"Options"`
	UID         int               `json:"UID,omitempty"`
	GID         int               `json:"GID,omitempty"`
	Anonymous   bool              `json:"Anonymous,omitempty"`
	MountCount  int               `json:"MountCount"`
	NeedsCopyUp bool              `json:"NeedsCopyUp,omitempty"`
}

func toJSON(v *engine.VolumeInfo) volumeJSON {
	j := volumeJSON{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint,
		CreatedAt: v.CreatedAt.Format("2006-01-02T15:04:05.999999999Z07:00"),
		Labels:    v.Labels, Scope: v.Scope, Options: v.Options, Anonymous: v.Anonymous,
		MountCount: v.MountCount, NeedsCopyUp: v.NeedsCopyUp,
	}
	if v.UID > 0 {
		j.UID = v.UID
	}
	if v.GID > 0 {
		j.GID = v.GID
	}
	return j
}

// InspectDoc is the document `volume inspect` prints for v, for the
// top-level `pod inspect`.
func InspectDoc(v *engine.VolumeInfo) any { return toJSON(v) }

var headers = volumeJSON{Name: "VOLUME NAME", Driver: "DRIVER", Mountpoint: "MOUNTPOINT", CreatedAt: "CREATED AT", Scope: "SCOPE"}

func newListCommand(g *cli.Globals) *cobra.Command {
	var (
		filters          []string
		format           string
		quiet, noHeading bool
	)
	c := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   "List volumes",
		Long:    "List volumes, oldest first.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			list, err := rt.ListVolumes(cmd.Context(), filters)
			if err != nil {
				return err
			}
			if quiet {
				for _, v := range list {
					fmt.Fprintln(g.Stdout, v.Name)
				}
				return nil
			}
			items := make([]volumeJSON, 0, len(list))
			for _, v := range list {
				items = append(items, toJSON(v))
			}
			if format == "json" {
				return cli.WriteJSON(g.Stdout, items)
			}
			if format == "" {
				format = "table {{.Driver}}\t{{.Name}}"
			}
			tmpl, table, err := cli.ParseTemplate(format)
			if err != nil {
				return err
			}
			var h *volumeJSON
			if table && !noHeading {
				h = &headers
			}
			return cli.WriteTemplate(g.Stdout, tmpl, h, items)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&filters, "filter", "f", nil, "filter output (name=, label=, label!=, dangling=, driver=, scope=, opt=, until=)")
	f.StringVar(&format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only volume names")
	f.BoolVarP(&noHeading, "noheading", "n", false, "do not print the header row")
	return c
}
