package quadlet

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// UnitDirsEnv replaces the search path with a colon-separated list of
// directories, as podman's Quadlet honours it (for tests).
const UnitDirsEnv = "QUADLET_UNIT_DIRS"

// UnitDirs is where Quadlet files are looked for, first match of a name
// winning: podman's directories, for the system manager or for a user's
// (uid, configHome: $XDG_CONFIG_HOME or ~/.config).
func UnitDirs(user bool, uid int, configHome string) []string {
	if v := os.Getenv(UnitDirsEnv); v != "" {
		var dirs []string
		for _, d := range strings.Split(v, ":") {
			if d != "" {
				dirs = append(dirs, d)
			}
		}
		return dirs
	}
	if user {
		return []string{
			filepath.Join(configHome, "containers", "systemd"),
			filepath.Join("/etc/containers/systemd/users", strconv.Itoa(uid)),
			"/etc/containers/systemd/users",
		}
	}
	return []string{"/run/containers/systemd", "/etc/containers/systemd", "/usr/share/containers/systemd"}
}
