package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CreateModes are create's options of how the container is made and
// attached beyond its process: create --attach, --init-ctr and --rootfs.
type CreateModes struct {
	// Attach are create --attach's streams: stdin, stdout or stderr, the
	// ones `start --attach` attaches to. Empty: all of them.
	Attach []string
	// InitCtr is --init-ctr: "always" or "once" make the container an
	// init container of its pod (pod_init.go); "" a regular one.
	InitCtr string
	// Rootfs is --rootfs: the image argument is a host directory used as
	// the root filesystem; RootfsOverlay (PATH:O) mounts it under an
	// overlay whose writes are dropped when the container stops.
	Rootfs        bool
	RootfsOverlay bool
}

// Init container types (--init-ctr).
const (
	InitCtrAlways = "always"
	InitCtrOnce   = "once"
)

// applyCreateModes checks o and records it in cfg. pod is the container's
// --pod ("" none). --rootfs is the image's part: see createImage.
func applyCreateModes(cfg *ContainerConfig, o CreateModes, pod string) error {
	for _, s := range o.Attach {
		s = strings.ToLower(s)
		if s != "stdin" && s != "stdout" && s != "stderr" {
			return invalidf("invalid --attach %q: use stdin, stdout or stderr", s)
		}
		if !slices.Contains(cfg.Attach, s) {
			cfg.Attach = append(cfg.Attach, s)
		}
	}
	switch o.InitCtr {
	case "":
	case InitCtrAlways, InitCtrOnce:
		if pod == "" {
			return invalidf("--init-ctr %s: init containers must be created in a pod (--pod)", o.InitCtr)
		}
		if cfg.RestartPolicy.Name != "" && cfg.RestartPolicy.Name != "no" {
			return invalidf("--init-ctr cannot be used with --restart %s: an init container runs to completion", cfg.RestartPolicy.Name)
		}
		cfg.InitContainerType = o.InitCtr
	default:
		return invalidf("invalid --init-ctr %q: use always or once", o.InitCtr)
	}
	return nil
}

// parseRootfs reads the image argument of --rootfs: PATH[:O]. The
// directory must exist; its absolute path is recorded.
func parseRootfs(arg string) (path string, overlay bool, err error) {
	path = arg
	if p, opts, ok := strings.Cut(arg, ":"); ok && opts != "" {
		for _, o := range strings.Split(opts, ",") {
			if o != "O" {
				return "", false, invalidf("invalid --rootfs %q: the only option is O (an overlay)", arg)
			}
		}
		path, overlay = p, true
	}
	if path == "" {
		return "", false, invalidf("--rootfs needs a directory")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false, invalidf("--rootfs %s: %v", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", false, invalidf("--rootfs %s: %v", path, err)
	}
	if !fi.IsDir() {
		return "", false, invalidf("--rootfs %s: not a directory", path)
	}
	return abs, overlay, nil
}

// AttachStreams are the streams `start --attach` attaches to: those
// create --attach named, else all three.
func (c *Container) AttachStreams() (stdin, stdout, stderr bool) {
	if c.Config == nil || len(c.Config.Attach) == 0 {
		return true, true, true
	}
	a := c.Config.Attach
	return slices.Contains(a, "stdin"), slices.Contains(a, "stdout"), slices.Contains(a, "stderr")
}
