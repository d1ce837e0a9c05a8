package quadlet

import (
	"fmt"
	"io"
	"strings"
)

var volumeKeys = map[string]argKey{
	"Label":  {flag: "--label", split: true},
	"Driver": {flag: "--driver"},
}

var volumeRefused = []string{"Copy", "User", "Group", "Image", "ContainersConfModule"}

// ConvertVolume converts a .volume file into NAME-volume.service, a
// oneshot service that creates the volume unless it exists.
func ConvertVolume(path string, r io.Reader, o Options) (*Unit, error) {
	u, err := parseUnit(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	vol := u.section("Volume")
	if vol == nil {
		return nil, &KeyError{File: path, Msg: "missing [Volume] group"}
	}
	c := &conv{path: path, group: "Volume", o: o}
	var opts, mountOpts []string
	err = c.args(vol, volumeKeys, volumeRefused, func(kv keyValue) (bool, error) {
		switch kv.key {
		case "VolumeName":
		case "Type":
			opts = append(opts, "--opt", "type="+kv.value)
		case "Device":
			opts = append(opts, "--opt", "device="+kv.value)
		case "Options":
			mountOpts = append(mountOpts, kv.value)
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	flags := append(c.flags, opts...)
	if len(mountOpts) > 0 {
		flags = append(flags, "--opt", "o="+strings.Join(mountOpts, ","))
	}
	create := append(append(c.pod("volume", "create", "--ignore"), flags...), c.podmanArgs...)
	create = append(create, nameKey(path, u, "Volume", "VolumeName"))
	unit := &Unit{Name: base(path) + "-volume.service"}
	c.oneshot(u, unit, false, create, nil, "")
	return unit, nil
}
