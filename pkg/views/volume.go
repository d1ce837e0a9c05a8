package views

import "github.com/pod-engine/pod/pkg/engine"

// Volume is a volume as `volume inspect` and `volume ls` print it:
// podman's field names.
type Volume struct {
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

// VolumeHeaders are volume ls's column titles that are not the field's
// name.
var VolumeHeaders = map[string]string{"Name": "VOLUME NAME"}

// VolumeOf is v's view.
func VolumeOf(v *engine.VolumeInfo) Volume {
	j := Volume{
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

// Volumes are the views of list.
func Volumes(list []*engine.VolumeInfo) []Volume {
	out := make([]Volume, 0, len(list))
	for _, v := range list {
		out = append(out, VolumeOf(v))
	}
	return out
}
