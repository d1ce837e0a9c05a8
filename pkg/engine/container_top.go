package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/top"
)

// Top lists the processes of a running container as a table, header row
// first. args are podman's descriptors ("user", "pid,args"; none: the
// default columns), read from /proc; anything else is taken as ps(1)
// options and ps runs inside the container's PID and mount namespaces, as
// podman does, so it is the container's own ps.
func (r *Runtime) Top(ctx context.Context, idOrName string, args []string) ([][]string, error) {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if (c.Status != state.StatusRunning && c.Status != state.StatusPaused) || c.PID <= 0 {
		return nil, errdefs.WithCategory(fmt.Errorf("top can only be used on running containers: %s is %s", c.Name, c.Status), ErrCtrStateInvalid)
	}
	names, ok := top.ParseDescriptors(args)
	if !ok {
		return psInContainer(ctx, c, args)
	}
	if len(names) == 0 {
		names = top.DefaultDescriptors
	}
	procs, err := top.InNamespaceOf("/proc", c.PID)
	if err != nil {
		return nil, fmt.Errorf("top %s: %w", c.Name, err)
	}
	uptime, err := readUptime()
	if err != nil {
		return nil, err
	}
	// The container's own /etc names its users; the host's the host IDs,
	// which a rootless engine sees through its user namespace.
	root := fmt.Sprintf("/proc/%d/root", c.PID)
	tc := &top.Context{
		Now:       time.Now(),
		Uptime:    uptime,
		User:      top.NamesFromFile(root + "/etc/passwd"),
		Group:     top.NamesFromFile(root + "/etc/group"),
		HostUser:  top.NamesFromFile("/etc/passwd"),
		HostGroup: top.NamesFromFile("/etc/group"),
		HostUID:   top.IDMapFromFile("/proc/self/uid_map"),
		HostGID:   top.IDMapFromFile("/proc/self/gid_map"),
	}
	if len(c.Config.UIDMap) > 0 {
		// Its own user namespace: its users are named by its own IDs.
		tc.UID = top.InsideIDMapFromFile(fmt.Sprintf("/proc/%d/uid_map", c.PID))
		tc.GID = top.InsideIDMapFromFile(fmt.Sprintf("/proc/%d/gid_map", c.PID))
	}
	return top.Format(tc, procs, names)
}

// psInContainer runs ps(1) with args in the container's PID and mount
// namespaces and splits its output into columns: as many as the header
// has, the last taking the rest of the line (the command).
func psInContainer(ctx context.Context, c *Container, args []string) ([][]string, error) {
	argv := append([]string{"--target", strconv.Itoa(c.PID), "--pid", "--mount", "--", "ps"}, args...)
	cmd := exec.CommandContext(ctx, "nsenter", argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, invalidf("ps(1) in container %s failed: %s (options %q are neither top descriptors (%s) nor ps(1) options the container's ps accepts)",
			c.Name, strings.ReplaceAll(msg, "\n", "; "), strings.Join(args, " "), strings.Join(top.Descriptors(), ","))
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) == "" {
		return nil, nil
	}
	header := strings.Fields(lines[0])
	rows := [][]string{header}
	for _, l := range lines[1:] {
		rows = append(rows, splitColumns(l, len(header)))
	}
	return rows, nil
}

// splitColumns splits line at whitespace into at most n fields, the last
// keeping its inner spaces.
func splitColumns(line string, n int) []string {
	var out []string
	rest := strings.TrimSpace(line)
	for len(out) < n-1 && rest != "" {
		i := strings.IndexAny(rest, " \t")
		if i < 0 {
			break
		}
		out = append(out, rest[:i])
		rest = strings.TrimLeft(rest[i:], " \t")
	}
	if rest != "" {
		out = append(out, rest)
	}
	return out
}

// readUptime reads the time since boot from /proc/uptime.
func readUptime() (time.Duration, error) {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, fmt.Errorf("read uptime: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("read uptime: empty /proc/uptime")
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("read uptime: %w", err)
	}
	return time.Duration(secs * float64(time.Second)), nil
}
