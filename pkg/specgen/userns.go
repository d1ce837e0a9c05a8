package specgen

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	sysuser "github.com/moby/sys/user"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/idmap"
)

// UserNSOptions are --userns, --uidmap and --gidmap as typed.
type UserNSOptions struct {
	UserNS string   // host (""), keep-id[:uid=N,gid=N], nomap, auto[:size=N]
	UIDMap []string // CONTAINER:HOST[:SIZE], HOST in pod's own user namespace
	GIDMap []string
}

// KeepIDUser is the user --userns=keep-id runs the container as: the host
// user pod acts for, under the IDs it has inside the container. Start adds
// it to the container's /etc/passwd and /etc/group.
type KeepIDUser struct {
	Name  string `json:"name"`
	UID   uint32 `json:"uid"`
	GID   uint32 `json:"gid"`
	Home  string `json:"home"`
	Group string `json:"group"`
}

// UserNSHost is what the user namespace flags depend on outside the flags.
type UserNSHost struct {
	Rootless bool
	// UID and GID are the host user pod acts for (keep-id's user).
	UID, GID int
	// AutoUser is the user whose /etc/subuid and /etc/subgid ranges root's
	// --userns=auto allocates from (storage's root-auto-userns-user).
	AutoUser string
}

// BuildUserNS validates the user namespace flags and records the mappings
// in cfg, whose NetworkMode is already set. Auto's mappings are chosen
// later, by storage, when the container is created.
func BuildUserNS(cfg *ContainerConfig, o UserNSOptions, host UserNSHost) error {
	mode, err := idmap.ParseMode(o.UserNS)
	if err != nil {
		return invalidf("%v", err)
	}
	if (len(o.UIDMap) > 0 || len(o.GIDMap) > 0) && o.UserNS != "" {
		return invalidf("--userns and --uidmap/--gidmap are mutually exclusive")
	}
	if mode.Kind == idmap.Host && len(o.UIDMap) == 0 && len(o.GIDMap) == 0 {
		return nil
	}
	if strings.HasPrefix(cfg.NetworkMode, NetModeContainerPrefix) || strings.HasPrefix(cfg.NetworkMode, NetModeNSPrefix) {
		// The runtime enters a container's user namespace before its
		// network namespace, and from inside a new user namespace another
		// one's network namespace is out of reach: exec would fail.
		return invalidf("--network %s cannot be combined with a user namespace of the container's own (--userns, --uidmap, --gidmap)", cfg.NetworkMode)
	}
	if len(o.UIDMap) > 0 || len(o.GIDMap) > 0 {
		return explicitMaps(cfg, o)
	}
	if !host.Rootless && (mode.Kind == idmap.KeepID || mode.Kind == idmap.NoMap) {
		return invalidf("--userns=%s is only supported in rootless mode", mode.Kind)
	}
	cfg.UsernsMode = mode.String()
	switch mode.Kind {
	case idmap.Auto:
		if host.Rootless {
			return nil // the user's own subordinate IDs, checked on entry
		}
		return checkAutoRange(host.AutoUser)
	case idmap.NoMap:
		return nsMaps(cfg, func(highest uint32) []specs.LinuxIDMapping { return idmap.NoMapMap(highest) },
			func(highest uint32) []specs.LinuxIDMapping { return idmap.NoMapMap(highest) })
	}
	// keep-id.
	ku := hostUser(host.UID, host.GID)
	innerUID, innerGID := ku.UID, ku.GID
	if mode.UID != nil {
		innerUID = *mode.UID
	}
	if mode.GID != nil {
		innerGID = *mode.GID
	}
	ku.UID, ku.GID = innerUID, innerGID
	cfg.KeepID = ku
	if cfg.User == "" {
		// Podman's default: the process runs as the user, not as root.
		cfg.User = fmt.Sprintf("%d:%d", innerUID, innerGID)
	}
	return nsMaps(cfg, func(highest uint32) []specs.LinuxIDMapping { return idmap.KeepIDMap(innerUID, highest) },
		func(highest uint32) []specs.LinuxIDMapping { return idmap.KeepIDMap(innerGID, highest) })
}

// explicitMaps takes --uidmap and --gidmap; as in podman, one given alone
// serves for both.
func explicitMaps(cfg *ContainerConfig, o UserNSOptions) error {
	uids, err := idmap.ParseMaps("--uidmap", o.UIDMap)
	if err != nil {
		return invalidf("%v", err)
	}
	gids, err := idmap.ParseMaps("--gidmap", o.GIDMap)
	if err != nil {
		return invalidf("%v", err)
	}
	if len(uids) == 0 {
		uids = gids
	}
	if len(gids) == 0 {
		gids = uids
	}
	for _, m := range []struct {
		flag, file string
		maps       []specs.LinuxIDMapping
	}{{"--uidmap", "/proc/self/uid_map", uids}, {"--gidmap", "/proc/self/gid_map", gids}} {
		ns, err := idmap.Read(m.file)
		if err != nil {
			return err
		}
		if err := idmap.Within(m.maps, ns); err != nil {
			return invalidf("invalid %s: %v", m.flag, err)
		}
	}
	cfg.UsernsMode = "private"
	cfg.UIDMap, cfg.GIDMap = uids, gids
	return nil
}

// nsMaps sets cfg's mappings, made by the given functions from the highest
// ID of pod's own (rootless) user namespace.
func nsMaps(cfg *ContainerConfig, uidMap, gidMap func(highest uint32) []specs.LinuxIDMapping) error {
	uns, err := idmap.Read("/proc/self/uid_map")
	if err != nil {
		return err
	}
	gns, err := idmap.Read("/proc/self/gid_map")
	if err != nil {
		return err
	}
	cfg.UIDMap, cfg.GIDMap = uidMap(idmap.Highest(uns)), gidMap(idmap.Highest(gns))
	if len(cfg.UIDMap) == 0 || len(cfg.GIDMap) == 0 {
		return invalidf("--userns=%s needs subordinate IDs: add ranges to /etc/subuid and /etc/subgid", cfg.UsernsMode)
	}
	return nil
}

// hostUser is the host user uid:gid, as /etc/passwd and /etc/group name it.
func hostUser(uid, gid int) *KeepIDUser {
	ku := &KeepIDUser{UID: uint32(uid), GID: uint32(gid), Name: strconv.Itoa(uid), Home: "/", Group: strconv.Itoa(gid)}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		ku.Name, ku.Home = u.Username, u.HomeDir
	}
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		ku.Group = g.Name
	}
	return ku
}

// checkAutoRange refuses --userns=auto as root when /etc/subuid or
// /etc/subgid has no range for name, storage's auto user: storage would
// have none to allocate from.
func checkAutoRange(name string) error {
	for _, file := range []string{"/etc/subuid", "/etc/subgid"} {
		ok, err := hasSubIDRange(file, name)
		if err != nil {
			return err
		}
		if !ok {
			return invalidf("--userns=auto: no range for %q in %s to allocate from: add one (e.g. %s:2147483647:2147483648) or set root-auto-userns-user in storage.conf", name, file, name)
		}
	}
	return nil
}

// hasSubIDRange reports whether file (/etc/subuid format) has a range of
// at least one ID for name; a missing file has none.
func hasSubIDRange(file, name string) (bool, error) {
	ranges, err := sysuser.ParseSubIDFileFilter(file, func(s sysuser.SubID) bool {
		return s.Name == name && s.Count > 0
	})
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", file, err)
	}
	return len(ranges) > 0, nil
}
