package quadlet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// unsupportedKinds are Quadlet file types pod does not convert yet.
var unsupportedKinds = map[string]bool{
	".network": true, ".pod": true, ".kube": true, ".image": true, ".build": true,
}

// Generate converts every Quadlet file in dirs. A file that fails is
// reported in errs and never stops the others.
func Generate(dirs []string, o Options) (units []*Unit, errs []error) {
	seen := map[string]bool{}
	var paths []string
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("read %s: %w", dir, err))
			}
			continue
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, e := range entries {
			name := e.Name()
			ext := filepath.Ext(name)
			if ext != ".container" && ext != ".volume" && !unsupportedKinds[ext] {
				continue
			}
			if seen[name] {
				continue // an earlier directory's file of that name wins
			}
			seen[name] = true
			paths = append(paths, filepath.Join(dir, name))
		}
	}
	// The volumes first: a container names them by their file.
	o.Volumes = map[string]string{}
	for _, path := range paths {
		if filepath.Ext(path) == ".volume" {
			if err := withFile(path, func(f *os.File) (err error) {
				o.Volumes[filepath.Base(path)], err = VolumeName(path, f)
				return err
			}); err != nil {
				errs = append(errs, fmt.Errorf("converting %q: %w", filepath.Base(path), err))
			}
		}
	}
	for _, path := range paths {
		name, ext := filepath.Base(path), filepath.Ext(path)
		if unsupportedKinds[ext] {
			errs = append(errs, fmt.Errorf("converting %q: %s files are not supported by pod yet in %s", name, ext, path))
			continue
		}
		var u *Unit
		err := withFile(path, func(f *os.File) (err error) {
			if ext == ".volume" {
				if _, ok := o.Volumes[name]; !ok {
					return nil // reported above
				}
				u, err = ConvertVolume(path, f, o)
			} else {
				u, err = ConvertContainer(path, f, o)
			}
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("converting %q: %w", name, err))
			continue
		}
		if u != nil {
			units = append(units, u)
		}
	}
	return units, errs
}

func withFile(path string, fn func(*os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return fn(f)
}
