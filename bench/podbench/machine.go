package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine is what the report says about where it ran.
type machine struct {
	kernel, memory, cgroups, loadStart, loadEnd string
	versions                                    [][2]string
	drivers                                     string
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func output(ctx context.Context, argv ...string) string {
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(%s: %v)", argv[0], err)
	}
	return string(out)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func describeMachine(ctx context.Context, podBin string) *machine {
	m := &machine{loadStart: loadavg()}
	m.kernel = firstLine(output(ctx, "uname", "-r"))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.TrimPrefix(firstLine(string(b)), "MemTotal:"), "%d", &kb)
		m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	m.cgroups = cgroupLayout()
	m.versions = [][2]string{
		{"pod", strings.Join(strings.Fields(output(ctx, podBin, "version")), " ")},
		{"podman", firstLine(output(ctx, "podman", "--version"))},
		{"runc", firstLine(output(ctx, "runc", "--version"))},
		{"conmon", firstLine(output(ctx, "conmon", "--version"))},
		{"skopeo", firstLine(output(ctx, "skopeo", "--version"))},
	}
	return m
}

func cgroupLayout() string {
	var st [2]bool
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, " - cgroup2 ") {
				st[1] = true
			}
			if strings.Contains(l, " - cgroup ") {
				st[0] = true
			}
		}
	}
	switch {
	case st[0] && st[1]:
		return "hybrid (cgroup v1 controllers, an empty v2 hierarchy)"
	case st[1]:
		return "unified (cgroup v2)"
	case st[0]:
		return "legacy (cgroup v1)"
	}
	return "none mounted"
}

func (m *machine) lines() []string {
	l := []string{
		fmt.Sprintf("CPUs: %d (nproc); memory: %s; kernel %s; %s/%s", runtime.NumCPU(), m.memory, m.kernel, runtime.GOOS, runtime.GOARCH),
		"cgroups: " + m.cgroups,
		fmt.Sprintf("load average (1, 5, 15 min) at start: %s; at end: %s. The machine is shared: other engineers compile and run test suites during the run, so absolute numbers are noisy; the interleaving keeps the ratios fair.", m.loadStart, m.loadEnd),
	}
	if m.drivers != "" {
		l = append(l, "storage drivers: "+m.drivers)
	}
	for _, v := range m.versions {
		l = append(l, fmt.Sprintf("%s: `%s`", v[0], v[1]))
	}
	return l
}
