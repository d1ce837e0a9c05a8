package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/sys/capability"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// DefaultCapabilities returns Docker's default capability set, in the
// "CAP_" form the runtime spec uses.
func DefaultCapabilities() []string {
	return []string{
		"CAP_CHOWN",
		"CAP_DAC_OVERRIDE",
		"CAP_FSETID",
		"CAP_FOWNER",
		"CAP_MKNOD",
		"CAP_NET_RAW",
		"CAP_SETGID",
		"CAP_SETUID",
		"CAP_SETFCAP",
		"CAP_SETPCAP",
		"CAP_NET_BIND_SERVICE",
		"CAP_SYS_CHROOT",
		"CAP_KILL",
		"CAP_AUDIT_WRITE",
	}
}

// knownCapabilities lists every capability this kernel supports.
func knownCapabilities() []string {
	caps, err := capability.ListSupported()
	if err != nil {
		caps = capability.ListKnown()
	}
	return capNames(caps)
}

// allCapabilities lists the capabilities a container can be given: those
// of the kernel that are also in pod's own bounding set. A privileged
// container gets these, as podman does, because a runtime cannot grant
// what its caller lacks (root here has no CAP_SYS_RESOURCE, for one).
func allCapabilities() []string {
	supported, err := capability.ListSupported()
	if err != nil {
		supported = capability.ListKnown()
	}
	own, err := capability.NewPid2(0)
	if err == nil {
		err = own.Load()
	}
	if err != nil {
		return capNames(supported)
	}
	var caps []capability.Cap
	for _, c := range supported {
		if own.Get(capability.BOUNDING, c) {
			caps = append(caps, c)
		}
	}
	return capNames(caps)
}

func capNames(caps []capability.Cap) []string {
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

// normalizeCaps turns user spellings ("net_admin", "CAP_NET_ADMIN", "all")
// into the spec's form, rejecting names the kernel does not know.
func normalizeCaps(in []string, known []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, c := range in {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "ALL" {
			out = append(out, c)
			continue
		}
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		if !slices.Contains(known, c) {
			return nil, errdefs.InvalidArgumentf("unknown capability %q", c)
		}
		out = append(out, c)
	}
	return out, nil
}

// capabilities applies Docker's rules: privileged gets everything; adding
// ALL gives everything but the dropped; dropping ALL keeps only the added;
// otherwise the defaults (defaults, or Docker's set when nil) minus the
// dropped plus the added.
func capabilities(add, drop []string, privileged bool, defaults []string) ([]string, error) {
	known, all := knownCapabilities(), allCapabilities()
	add, err := normalizeCaps(add, known)
	if err != nil {
		return nil, err
	}
	drop, err = normalizeCaps(drop, known)
	if err != nil {
		return nil, err
	}
	for _, c := range add {
		if c != "ALL" && !slices.Contains(all, c) {
			return nil, errdefs.InvalidArgumentf("capability not available in the current environment (pod itself lacks it): %q", c)
		}
	}
	var caps []string
	switch {
	case privileged:
		return all, nil
	case slices.Contains(add, "ALL"):
		for _, c := range all {
			if !slices.Contains(drop, c) {
				caps = append(caps, c)
			}
		}
		return caps, nil
	case slices.Contains(drop, "ALL"):
		add = slices.DeleteFunc(add, func(c string) bool { return c == "ALL" })
	default:
		if defaults == nil {
			defaults = DefaultCapabilities()
		}
		if defaults, err = normalizeCaps(defaults, known); err != nil {
			return nil, fmt.Errorf("default capabilities: %w", err)
		}
		for _, c := range defaults {
			if !slices.Contains(drop, c) {
				caps = append(caps, c)
			}
		}
	}
	for _, c := range add {
		if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	return caps, nil
}
