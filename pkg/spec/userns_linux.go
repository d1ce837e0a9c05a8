package spec

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/idmap"
)

// nsGetUserNS is NS_GET_USERNS from linux/nsfs.h (_IO(0xb7, 0x1)): it
// returns a descriptor of the user namespace owning a namespace.
const nsGetUserNS = 0xb701

// inUserNS reports whether this process runs in a user namespace other
// than the initial one (rootless pod inside its pause namespace). The
// initial namespace maps the full 32-bit range onto itself.
func inUserNS() bool {
	maps, err := idmap.Read("/proc/self/uid_map")
	if err != nil {
		return false
	}
	return !(len(maps) == 1 && maps[0].ContainerID == 0 && maps[0].HostID == 0 && maps[0].Size == 4294967295)
}

// ownedByOwnUserNS reports whether the namespace file at path is owned by
// the user namespace this process runs in. Any failure answers false,
// which makes Generate take the choices that work either way.
func ownedByOwnUserNS(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fd, err := unix.IoctlRetInt(int(f.Fd()), nsGetUserNS)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var owner, self unix.Stat_t
	if unix.Fstat(fd, &owner) != nil || unix.Stat("/proc/self/ns/user", &self) != nil {
		return false
	}
	return owner.Dev == self.Dev && owner.Ino == self.Ino
}

// gidMapped reports whether the container GID gid exists in the
// container's user namespace: in o.GIDMappings when the container gets its
// own namespace, else in the engine's namespace.
func gidMapped(o Options, engineUserNS bool, gid uint32) bool {
	maps := o.GIDMappings
	if len(maps) == 0 {
		if !engineUserNS {
			return true
		}
		var err error
		if maps, err = idmap.Read("/proc/self/gid_map"); err != nil {
			return false
		}
	}
	for _, m := range maps {
		if gid >= m.ContainerID && uint64(gid) < uint64(m.ContainerID)+uint64(m.Size) {
			return true
		}
	}
	return false
}
