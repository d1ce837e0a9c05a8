package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pod-engine/pod/pkg/network"
)

// The running container's /etc/hosts follows `network connect` and
// `network disconnect`, as podman's does: connecting adds a line for the
// container's address on the new network, disconnecting removes the lines
// of its addresses there. The file is pod's (bind-mounted from the
// container's directory) and is rewritten in place: a rename would leave the
// container looking at the old file.

// ifaceAddrs are the addresses of an interface, without prefix lengths.
func ifaceAddrs(iface network.Interface) []string {
	var out []string
	for _, ip := range iface.IPs {
		if p, err := netip.ParsePrefix(ip); err == nil {
			out = append(out, p.Addr().String())
		}
	}
	return out
}

// editHosts removes the lines of the addresses drop from c's /etc/hosts and
// appends one line per address of add, naming the container. A container
// that has no such file (it never started) is left alone.
func (r *Runtime) editHosts(c *Container, add, drop []string) error {
	dir, err := r.userdataDir(c.ID)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, "hosts")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("update /etc/hosts of %s: %w", c.Name, err)
	}
	var out strings.Builder
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && slices.Contains(drop, f[0]) {
			continue
		}
		out.WriteString(l)
	}
	if out.Len() > 0 && !strings.HasSuffix(out.String(), "\n") {
		out.WriteString("\n")
	}
	names := strings.Join(hostNames(c), " ")
	for _, ip := range add {
		fmt.Fprintf(&out, "%s\t%s\n", ip, names)
	}
	// In place (O_TRUNC keeps the inode the container has mounted).
	if err := os.WriteFile(p, []byte(out.String()), 0o644); err != nil {
		return fmt.Errorf("update /etc/hosts of %s: %w", c.Name, err)
	}
	return nil
}
