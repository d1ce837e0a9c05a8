package quadlet

import (
	"fmt"
	"io"
	"path/filepath"
)

var imageKeys = map[string]argKey{
	"AllTags":  {flag: "--all-tags", boolean: true},
	"AuthFile": {flag: "--authfile", path: true},
	"CertDir":  {flag: "--cert-dir", path: true},
	"Creds":    {flag: "--creds"},
}

var imageRefused = []string{"ContainersConfModule", "DecryptionKey", "Policy", "Retry", "RetryDelay", "ServiceName"}

// imageRef is what an .image file's containers run: its ImageTag=, else
// its Image=.
func imageRef(u *unitFile) string {
	var img, tag string
	if s := u.section("Image"); s != nil {
		for _, kv := range s.keys {
			switch kv.key {
			case "Image":
				img = kv.value
			case "ImageTag":
				tag = kv.value
			}
		}
	}
	if tag != "" {
		return tag
	}
	return img
}

// ConvertImage converts an .image file into NAME-image.service, a oneshot
// service that pulls the image.
func ConvertImage(path string, r io.Reader, o Options) (*Unit, error) {
	u, err := parseUnit(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sec := u.section("Image")
	if sec == nil {
		return nil, &KeyError{File: path, Msg: "missing [Image] group"}
	}
	c := &conv{path: path, group: "Image", o: o}
	var image, arch, osName, variant string
	err = c.args(sec, imageKeys, imageRefused, func(kv keyValue) (bool, error) {
		switch kv.key {
		case "Image":
			image = kv.value
		case "ImageTag":
		case "Arch":
			arch = kv.value
		case "OS":
			osName = kv.value
		case "Variant":
			variant = kv.value
		case "TLSVerify":
			b, ok := parseBool(kv.value)
			if !ok {
				return true, c.bad(kv.key, fmt.Sprintf("invalid boolean %q", kv.value))
			}
			c.flags = append(c.flags, fmt.Sprintf("--tls-verify=%t", b))
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if image == "" {
		return nil, &KeyError{File: path, Msg: "no Image key specified"}
	}
	if arch != "" || osName != "" || variant != "" {
		if osName == "" {
			osName = "linux"
		}
		if arch == "" {
			return nil, c.bad("Arch", "OS or Variant without Arch")
		}
		p := osName + "/" + arch
		if variant != "" {
			p += "/" + variant
		}
		c.flags = append(c.flags, "--platform", p)
	}
	pull := append(append(c.pod("image", "pull"), c.flags...), c.podmanArgs...)
	pull = append(pull, image)
	unit := &Unit{Name: base(path) + "-image.service"}
	c.oneshot(u, unit, true, pull, nil, "")
	return unit, nil
}

var buildKeys = map[string]argKey{
	"AuthFile": {flag: "--authfile", path: true},
	"BuildArg": {flag: "--build-arg"},
	"Label":    {flag: "--label", split: true},
	"Pull":     {flag: "--pull", joined: true},
	"Secret":   {flag: "--secret"},
	"Target":   {flag: "--target"},
}

var buildRefused = []string{"Annotation", "Arch", "ContainersConfModule", "DNS", "DNSOption", "DNSSearch",
	"Environment", "ForceRM", "GroupAdd", "TLSVerify", "Network", "Retry", "RetryDelay", "ServiceName", "Variant", "Volume"}

// buildTag is the image a .build file makes: its first ImageTag=.
func buildTag(u *unitFile) string {
	if s := u.section("Build"); s != nil {
		for _, kv := range s.keys {
			if kv.key == "ImageTag" {
				return kv.value
			}
		}
	}
	return ""
}

// ConvertBuild converts a .build file into NAME-build.service, a oneshot
// service that builds the image (layers cached: a rebuild of what did not
// change is quick).
func ConvertBuild(path string, r io.Reader, o Options) (*Unit, error) {
	u, err := parseUnit(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sec := u.section("Build")
	if sec == nil {
		return nil, &KeyError{File: path, Msg: "missing [Build] group"}
	}
	c := &conv{path: path, group: "Build", o: o}
	var file, workdir string
	var tags int
	err = c.args(sec, buildKeys, buildRefused, func(kv keyValue) (bool, error) {
		switch kv.key {
		case "ImageTag":
			c.flags = append(c.flags, "--tag", kv.value)
			tags++
		case "File":
			file = c.abs(kv.value)
		case "SetWorkingDirectory":
			workdir = kv.value
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if tags == 0 {
		return nil, &KeyError{File: path, Msg: "no ImageTag key specified"}
	}
	// The build context: SetWorkingDirectory= (file: the File's directory,
	// unit: this file's directory, else a path), else the File's directory.
	var context string
	switch workdir {
	case "":
		if file == "" {
			return nil, &KeyError{File: path, Msg: "neither File nor SetWorkingDirectory key specified"}
		}
		context = filepath.Dir(file)
	case "file":
		if file == "" {
			return nil, c.bad("SetWorkingDirectory", "file without a File key")
		}
		context = filepath.Dir(file)
	case "unit":
		context = filepath.Dir(path)
	default:
		context = c.abs(workdir)
	}
	if file != "" {
		c.flags = append(c.flags, "--file", file)
	}
	build := append(append(c.pod("build"), c.flags...), c.podmanArgs...)
	build = append(build, context)
	unit := &Unit{Name: base(path) + "-build.service"}
	// Builds take their time: no start timeout.
	c.oneshot(u, unit, true, build, nil, "TimeoutStartSec=infinity\n")
	return unit, nil
}
