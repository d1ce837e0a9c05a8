// Package idmap parses and builds the user namespace ID mappings of a
// container: podman's --userns modes (host, keep-id, nomap, auto) and its
// --uidmap/--gidmap ranges.
//
// Every mapping here is in the OCI form (specs.LinuxIDMapping): ContainerID
// is an ID inside the container, HostID the ID it is in the engine's own
// user namespace (the host's as root, the pause process's namespace when
// rootless). The package only computes, except Read, which reads a
// process's map.
package idmap

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/sys/user"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// Kind is a --userns mode.
type Kind string

const (
	Host   Kind = "host"    // no user namespace of the container's own ("" too)
	KeepID Kind = "keep-id" // rootless: the user's own IDs inside
	NoMap  Kind = "nomap"   // rootless: the user's own IDs not mapped at all
	Auto   Kind = "auto"    // a free range, chosen by storage
)

// Mode is a parsed --userns value.
type Mode struct {
	Kind Kind
	// UID and GID are keep-id's uid= and gid= options: the IDs the user's
	// own become inside the container. Nil means the user's own ID.
	UID, GID *uint32
	// Size is auto's size= option; 0 means storage's default (as large as
	// the image needs, at least its configured minimum).
	Size uint32
}

// String is the mode as `inspect` shows it: the kind, and keep-id's and
// auto's options as given.
func (m Mode) String() string {
	var opts []string
	if m.UID != nil {
		opts = append(opts, "uid="+strconv.FormatUint(uint64(*m.UID), 10))
	}
	if m.GID != nil {
		opts = append(opts, "gid="+strconv.FormatUint(uint64(*m.GID), 10))
	}
	if m.Size != 0 {
		opts = append(opts, "size="+strconv.FormatUint(uint64(m.Size), 10))
	}
	if len(opts) == 0 {
		return string(m.Kind)
	}
	return string(m.Kind) + ":" + strings.Join(opts, ",")
}

// ParseMode reads a --userns value: "" or host, keep-id[:uid=N,gid=N],
// nomap, auto[:size=N]. A bad value is an error naming it.
func ParseMode(s string) (Mode, error) {
	kind, optStr, hasOpts := strings.Cut(s, ":")
	m := Mode{Kind: Kind(kind)}
	switch m.Kind {
	case "", Host:
		m.Kind = Host
	case KeepID, Auto, NoMap:
	default:
		return Mode{}, fmt.Errorf("invalid --userns %q: use host, keep-id[:uid=N,gid=N], nomap or auto[:size=N]", s)
	}
	if !hasOpts {
		return m, nil
	}
	if m.Kind != KeepID && m.Kind != Auto {
		return Mode{}, fmt.Errorf("invalid --userns %q: %s takes no options", s, m.Kind)
	}
	for _, opt := range strings.Split(optStr, ",") {
		k, v, ok := strings.Cut(opt, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || n >= math.MaxUint32 {
			return Mode{}, fmt.Errorf("invalid --userns %q: option %q is not KEY=NUMBER", s, opt)
		}
		id := uint32(n)
		switch {
		case m.Kind == KeepID && k == "uid":
			m.UID = &id
		case m.Kind == KeepID && k == "gid":
			m.GID = &id
		case m.Kind == Auto && k == "size":
			if id == 0 {
				return Mode{}, fmt.Errorf("invalid --userns %q: size must be at least 1", s)
			}
			m.Size = id
		default:
			return Mode{}, fmt.Errorf("invalid --userns %q: unknown option %q for %s", s, k, m.Kind)
		}
	}
	return m, nil
}

// ParseMaps reads --uidmap or --gidmap values, each CONTAINER:HOST[:SIZE]
// (SIZE defaults to 1), several of them separated by commas or given as
// several flags. The ranges may not overlap on either side. flag names
// the option in errors.
func ParseMaps(flag string, values []string) ([]specs.LinuxIDMapping, error) {
	var maps []specs.LinuxIDMapping
	for _, v := range values {
		for _, one := range strings.Split(v, ",") {
			f := strings.Split(one, ":")
			if len(f) == 2 {
				f = append(f, "1")
			}
			if len(f) != 3 {
				return nil, fmt.Errorf("invalid %s %q: use CONTAINER_ID:HOST_ID:SIZE", flag, one)
			}
			var n [3]uint32
			for i, s := range f {
				u, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					return nil, fmt.Errorf("invalid %s %q: %q is not an ID or size", flag, one, s)
				}
				n[i] = uint32(u)
			}
			m := specs.LinuxIDMapping{ContainerID: n[0], HostID: n[1], Size: n[2]}
			if m.Size == 0 {
				return nil, fmt.Errorf("invalid %s %q: the size must be at least 1", flag, one)
			}
			if end(m.ContainerID, m.Size) > math.MaxUint32 || end(m.HostID, m.Size) > math.MaxUint32 {
				return nil, fmt.Errorf("invalid %s %q: the range ends past the last ID", flag, one)
			}
			maps = append(maps, m)
		}
	}
	if err := checkOverlaps(maps); err != nil {
		return nil, fmt.Errorf("invalid %s: %w", flag, err)
	}
	return maps, nil
}

func end(start, size uint32) uint64 { return uint64(start) + uint64(size) }

// checkOverlaps refuses two ranges sharing a container ID or a host ID:
// the kernel refuses such a map.
func checkOverlaps(maps []specs.LinuxIDMapping) error {
	for _, side := range []struct {
		name string
		id   func(specs.LinuxIDMapping) uint32
	}{
		{"container", func(m specs.LinuxIDMapping) uint32 { return m.ContainerID }},
		{"host", func(m specs.LinuxIDMapping) uint32 { return m.HostID }},
	} {
		sorted := append([]specs.LinuxIDMapping(nil), maps...)
		sort.Slice(sorted, func(i, j int) bool { return side.id(sorted[i]) < side.id(sorted[j]) })
		for i := 1; i < len(sorted); i++ {
			prev, cur := sorted[i-1], sorted[i]
			if end(side.id(prev), prev.Size) > uint64(side.id(cur)) {
				return fmt.Errorf("ranges %s and %s overlap on the %s side", Format(prev), Format(cur), side.name)
			}
		}
	}
	return nil
}

// Format writes one mapping as CONTAINER:HOST:SIZE, as --uidmap takes it
// and podman's inspect shows it.
func Format(m specs.LinuxIDMapping) string {
	return fmt.Sprintf("%d:%d:%d", m.ContainerID, m.HostID, m.Size)
}

// FormatAll formats each mapping with Format.
func FormatAll(maps []specs.LinuxIDMapping) []string {
	out := make([]string, 0, len(maps))
	for _, m := range maps {
		out = append(out, Format(m))
	}
	return out
}

// Within checks that every host range of maps is inside the IDs the
// engine's namespace has, which are the container sides of its own map
// (/proc/self/uid_map): the kernel would refuse the rest when the runtime
// writes the container's map.
func Within(maps, ns []specs.LinuxIDMapping) error {
	for _, m := range maps {
		if !covered(m.HostID, m.Size, ns) {
			return fmt.Errorf("host IDs %d-%d of %s are not all mapped in pod's user namespace (%s)",
				m.HostID, end(m.HostID, m.Size)-1, Format(m), strings.Join(FormatAll(ns), " "))
		}
	}
	return nil
}

// covered reports whether [start, start+size) lies in the union of the
// container sides of ns.
func covered(start, size uint32, ns []specs.LinuxIDMapping) bool {
	sorted := append([]specs.LinuxIDMapping(nil), ns...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ContainerID < sorted[j].ContainerID })
	next, stop := uint64(start), end(start, size)
	for _, r := range sorted {
		if uint64(r.ContainerID) <= next && next < end(r.ContainerID, r.Size) {
			next = end(r.ContainerID, r.Size)
		}
		if next >= stop {
			return true
		}
	}
	return next >= stop
}

// Highest is the highest ID the engine's namespace has: the top of the
// container sides of its map. Rootless, the pause process maps the user to
// 0 and the subordinate IDs to 1..Highest.
func Highest(ns []specs.LinuxIDMapping) uint32 {
	var top uint64
	for _, m := range ns {
		if e := end(m.ContainerID, m.Size); e > top {
			top = e
		}
	}
	if top == 0 {
		return 0
	}
	return uint32(top - 1)
}

// KeepIDMap is keep-id's map of one kind of ID (podman's layout), in a
// rootless engine's namespace where the user is 0 and the subordinate IDs
// are 1..highest: the user's ID becomes id inside the container, container
// IDs 0..id-1 take namespace IDs 1..id, and those above id the rest.
func KeepIDMap(id, highest uint32) []specs.LinuxIDMapping {
	var maps []specs.LinuxIDMapping
	if id > 0 && highest > 0 {
		maps = append(maps, specs.LinuxIDMapping{ContainerID: 0, HostID: 1, Size: min(id, highest)})
	}
	maps = append(maps, specs.LinuxIDMapping{ContainerID: id, HostID: 0, Size: 1})
	if highest > id {
		maps = append(maps, specs.LinuxIDMapping{ContainerID: id + 1, HostID: id + 1, Size: highest - id})
	}
	return maps
}

// NoMapMap is nomap's map: the subordinate IDs 1..highest of a rootless
// engine's namespace become 0..highest-1 inside; the user's own (0 in the
// namespace) is not mapped.
func NoMapMap(highest uint32) []specs.LinuxIDMapping {
	if highest == 0 {
		return nil
	}
	return []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: highest}}
}

// Read parses /proc/PID/uid_map or gid_map ("inside outside count" lines).
func Read(path string) ([]specs.LinuxIDMapping, error) {
	ms, err := user.ParseIDMapFile(path)
	if err != nil {
		return nil, err
	}
	maps := make([]specs.LinuxIDMapping, 0, len(ms))
	for _, m := range ms {
		// The kernel writes 32-bit IDs; anything else is not an ID map line.
		if !fits32(m.ID) || !fits32(m.ParentID) || !fits32(m.Count) {
			continue
		}
		maps = append(maps, specs.LinuxIDMapping{ContainerID: uint32(m.ID), HostID: uint32(m.ParentID), Size: uint32(m.Count)})
	}
	return maps, nil
}

func fits32(n int64) bool { return n >= 0 && n <= math.MaxUint32 }

// ToHost returns the ID of pod's namespace that container ID id is under
// maps, and whether maps map it at all. Without maps every ID is itself.
func ToHost(maps []specs.LinuxIDMapping, id uint32) (uint32, bool) {
	if len(maps) == 0 {
		return id, true
	}
	for _, m := range maps {
		if id >= m.ContainerID && uint64(id) < end(m.ContainerID, m.Size) {
			return m.HostID + (id - m.ContainerID), true
		}
	}
	return 0, false
}
