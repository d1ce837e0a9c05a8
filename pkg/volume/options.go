package volume

import (
	"strconv"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// MountOptions are a local volume's -o options, checked.
type MountOptions struct {
	// Type, Device and Data are what the volume's filesystem is mounted
	// with (mount -t Type -o Data Device DATA_DIR) when a container starts;
	// Type "" means the volume is a plain directory.
	Type   string
	Device string
	Data   string
	// UID and GID, from o=uid=N,gid=N without a type, own the data
	// directory; -1 unset.
	UID, GID int
}

// Mounted reports whether the volume is a filesystem mounted for its
// containers rather than a plain directory.
func (m MountOptions) Mounted() bool { return m.Type != "" }

// IsBind reports whether the mount binds a host directory (type=bind, or
// Docker's type=none,o=bind).
func (m MountOptions) IsBind() bool {
	if m.Type == "bind" || m.Type == "rbind" {
		return true
	}
	for _, o := range strings.Split(m.Data, ",") {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// ParseOptions checks the local driver's options: type, device and o,
// as podman's and Docker's local driver take them.
func ParseOptions(opts map[string]string) (MountOptions, error) {
	m := MountOptions{UID: -1, GID: -1}
	for k, v := range opts {
		switch k {
		case "type":
			m.Type = v
		case "device":
			m.Device = v
		case "o":
			m.Data = v
		default:
			return MountOptions{}, errdefs.InvalidArgumentf("invalid mount option %s for driver 'local' (use type, device and o)", k)
		}
	}
	if m.Type == "" {
		if m.Device != "" {
			return MountOptions{}, errdefs.InvalidArgumentf("volume option device=%s needs a type= too", m.Device)
		}
		// Without a filesystem to mount, o only sets the owner.
		for _, o := range splitData(m.Data) {
			key, val, _ := strings.Cut(o, "=")
			var dst *int
			switch key {
			case "uid":
				dst = &m.UID
			case "gid":
				dst = &m.GID
			default:
				return MountOptions{}, errdefs.InvalidArgumentf("volume option o=%s: without type= only uid= and gid= are allowed", o)
			}
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return MountOptions{}, errdefs.InvalidArgumentf("volume option o=%s: %s must be a non-negative number", o, key)
			}
			*dst = n
		}
		return m, nil
	}
	if strings.ContainsAny(m.Type, " ,") {
		return MountOptions{}, errdefs.InvalidArgumentf("invalid volume type %q", m.Type)
	}
	if m.Device == "" {
		if m.Type != "tmpfs" {
			return MountOptions{}, errdefs.InvalidArgumentf("volume type %s needs a device= option", m.Type)
		}
		m.Device = "tmpfs"
	}
	if m.IsBind() && !strings.HasPrefix(m.Device, "/") {
		return MountOptions{}, errdefs.InvalidArgumentf("bind volume device %q must be an absolute host path", m.Device)
	}
	return m, nil
}

// mountArgs is the mount(8) command line that mounts the volume on dir.
func (m MountOptions) mountArgs(dir string) []string {
	args := []string{}
	data := m.Data
	if m.IsBind() {
		if data == "" || !containsOpt(data, "bind") && !containsOpt(data, "rbind") {
			data = strings.Trim("bind,"+data, ",")
		}
	} else {
		args = append(args, "-t", m.Type)
	}
	if data != "" {
		args = append(args, "-o", data)
	}
	return append(args, m.Device, dir)
}

func splitData(data string) []string {
	var out []string
	for _, o := range strings.Split(data, ",") {
		if o != "" {
			out = append(out, o)
		}
	}
	return out
}

func containsOpt(data, opt string) bool {
	for _, o := range strings.Split(data, ",") {
		if o == opt {
			return true
		}
	}
	return false
}
