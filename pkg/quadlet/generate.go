package quadlet

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// converters are the Quadlet file types pod converts, by extension.
var converters = map[string]func(path string, r io.Reader, o Options) (*Unit, error){
	".container": ConvertContainer,
	".volume":    ConvertVolume,
	".network":   ConvertNetwork,
	".pod":       ConvertPod,
	".kube":      ConvertKube,
	".image":     ConvertImage,
	".build":     ConvertBuild,
}

// refService is the unit a file other files name makes: NAME-KIND.service.
var refService = map[string]string{
	".volume": "-volume.service", ".network": "-network.service", ".pod": "-pod.service",
	".image": "-image.service", ".build": "-build.service",
}

// Generate converts every Quadlet file in dirs. A file that fails is
// reported in errs and never stops the others (a file that names a broken
// one fails too, naming it).
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
			if converters[filepath.Ext(name)] == nil || seen[name] {
				continue // not Quadlet's, or an earlier directory's file of that name wins
			}
			seen[name] = true
			paths = append(paths, filepath.Join(dir, name))
		}
	}
	// First what files name one another by: the objects they make and
	// the containers that join pods.
	o.Refs, o.PodMembers = map[string]Ref{}, map[string][]string{}
	parsed := map[string]*unitFile{}
	for _, path := range paths {
		name, ext := filepath.Base(path), filepath.Ext(path)
		var u *unitFile
		if err := withFile(path, func(f *os.File) (err error) {
			u, err = parseUnit(f)
			return err
		}); err != nil {
			errs = append(errs, fmt.Errorf("converting %q: %s: %w", name, path, err))
			continue
		}
		parsed[path] = u
		switch ext {
		case ".volume":
			o.Refs[name] = Ref{Name: nameKey(path, u, "Volume", "VolumeName"), Service: base(path) + refService[ext]}
		case ".network":
			o.Refs[name] = Ref{Name: nameKey(path, u, "Network", "NetworkName"), Service: base(path) + refService[ext]}
		case ".pod":
			o.Refs[name] = Ref{Name: nameKey(path, u, "Pod", "PodName"), Service: base(path) + refService[ext]}
		case ".image":
			o.Refs[name] = Ref{Name: imageRef(u), Service: base(path) + refService[ext]}
		case ".build":
			o.Refs[name] = Ref{Name: buildTag(u), Service: base(path) + refService[ext]}
		case ".container":
			if s := u.section("Container"); s != nil {
				for _, kv := range s.keys {
					if kv.key == "Pod" {
						o.PodMembers[kv.value] = append(o.PodMembers[kv.value], base(path)+".service")
					}
				}
			}
		}
	}
	for _, path := range paths {
		if parsed[path] == nil {
			continue // reported above
		}
		name := filepath.Base(path)
		var u *Unit
		err := withFile(path, func(f *os.File) (err error) {
			u, err = converters[filepath.Ext(path)](path, f, o)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("converting %q: %w", name, err))
			continue
		}
		units = append(units, u)
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
