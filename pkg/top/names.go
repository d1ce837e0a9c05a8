package top

import (
	"os"
	"strconv"
	"strings"
)

// NamesFromFile reads an /etc/passwd or /etc/group style file and returns a
// lookup of the name for an ID ("" when unknown or unreadable).
func NamesFromFile(path string) func(id int) string {
	names := map[int]string{}
	if data, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Split(line, ":")
			if len(f) < 3 || f[0] == "" {
				continue
			}
			if id, err := strconv.Atoi(f[2]); err == nil {
				if _, dup := names[id]; !dup {
					names[id] = f[0]
				}
			}
		}
	}
	return func(id int) string { return names[id] }
}

// IDMapFromFile reads a uid_map or gid_map ("inside outside count" lines)
// and returns the mapping of an inside ID to the outside one; an ID outside
// every range is returned unchanged, as is every ID when the file is
// unreadable.
func IDMapFromFile(path string) func(id int) int { return idMapFromFile(path, false) }

// InsideIDMapFromFile is IDMapFromFile the other way: an outside ID to the
// inside one. Read from outside a container's user namespace, a
// container's map turns the IDs its processes show to the reader into the
// container's own.
func InsideIDMapFromFile(path string) func(id int) int { return idMapFromFile(path, true) }

func idMapFromFile(path string, inverse bool) func(id int) int {
	type rng struct{ from, to, n int }
	var maps []rng
	if data, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 {
				continue
			}
			in, e1 := strconv.Atoi(f[0])
			out, e2 := strconv.Atoi(f[1])
			n, e3 := strconv.Atoi(f[2])
			if e1 == nil && e2 == nil && e3 == nil {
				if inverse {
					in, out = out, in
				}
				maps = append(maps, rng{in, out, n})
			}
		}
	}
	return func(id int) int {
		for _, m := range maps {
			if id >= m.from && id-m.from < m.n {
				return m.to + id - m.from
			}
		}
		return id
	}
}
