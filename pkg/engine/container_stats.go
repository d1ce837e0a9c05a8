package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/cgroups"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

// StatsOptions select the containers Stats reports on.
type StatsOptions struct {
	// Names are the containers asked for; none means every running one
	// (with All, every one).
	Names []string
	// All includes containers that do not run, with zero usage.
	All bool
	// Stream keeps reporting every Interval until ctx ends; else one report.
	Stream   bool
	Interval time.Duration
}

// ContainerStats is one container's usage at one moment, as `pod stats`
// shows it.
type ContainerStats struct {
	ID, Name string
	// CPUPercent is the share of one CPU used since the previous report,
	// or, in the first, on average since the container started.
	CPUPercent float64
	CPUNanos   uint64 // CPU time used by the container since it started
	// AvgCPUPercent is the share of one CPU used on average since start.
	AvgCPUPercent float64
	MemUsage      uint64
	MemLimit      uint64 // the container's limit, or the host's memory
	MemPercent    float64
	NetInput      uint64
	NetOutput     uint64
	BlockInput    uint64
	BlockOutput   uint64
	PIDs          uint64
	UpTime        time.Duration
}

// ErrStatsUnsupported means this engine's containers have no cgroup of their
// own to read (rootless on cgroup v1).
var ErrStatsUnsupported = errdefs.InvalidArgument(errors.New("stats not supported"))

// statsSample is what the next report's CPU percentage is measured from.
type statsSample struct {
	cpu uint64
	at  time.Time
}

// Stats reports the usage of the containers opts selects to emit, once or
// (Stream) every interval until ctx ends or emit fails. A container asked
// for by name that does not run is an error in the first report; one that
// stops while streaming leaves the later reports.
func (r *Runtime) Stats(ctx context.Context, opts StatsOptions, emit func([]ContainerStats) error) error {
	if !r.cgroupsUsable() {
		return errdefs.WithCategory(errors.New("stats is not supported for rootless containers on cgroup v1: they have no cgroup of their own (cgroup v2 with delegation has one)"), ErrStatsUnsupported)
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	reader := cgroups.HostReader()
	hostMem := hostMemory()
	prev := map[string]statsSample{}
	for first := true; ; first = false {
		ctrs, err := r.statsTargets(ctx, opts, first)
		if err != nil {
			return err
		}
		report := make([]ContainerStats, 0, len(ctrs))
		for _, c := range ctrs {
			s, err := containerStats(c, reader, hostMem, prev)
			if err != nil {
				if first && len(opts.Names) > 0 {
					return err
				}
				continue // it stopped between the list and the read
			}
			report = append(report, *s)
		}
		if err := emit(report); err != nil {
			return err
		}
		if !opts.Stream {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(opts.Interval):
		}
	}
}

// statsTargets lists the containers a report covers.
func (r *Runtime) statsTargets(ctx context.Context, opts StatsOptions, first bool) ([]*Container, error) {
	if len(opts.Names) == 0 {
		all, err := r.Containers(ctx)
		if err != nil {
			return nil, err
		}
		var out []*Container
		for _, c := range all {
			if opts.All || c.Status == state.StatusRunning || c.Status == state.StatusPaused {
				out = append(out, c)
			}
		}
		return out, nil
	}
	var out []*Container
	for _, n := range opts.Names {
		c, err := r.Container(ctx, n)
		if err != nil {
			if first {
				return nil, err
			}
			continue
		}
		if !opts.All && c.Status != state.StatusRunning && c.Status != state.StatusPaused {
			if first {
				return nil, errdefs.WithCategory(fmt.Errorf("cannot get stats of container %s: it is not running", c.Name), ErrCtrStateInvalid)
			}
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// containerStats reads one container's cgroup and network counters. A
// container that does not run reports zeros.
func containerStats(c *Container, reader cgroups.Reader, hostMem uint64, prev map[string]statsSample) (*ContainerStats, error) {
	s := &ContainerStats{ID: c.ID, Name: c.Name, MemLimit: hostMem}
	if (c.Status != state.StatusRunning && c.Status != state.StatusPaused) || c.PID <= 0 {
		return s, nil
	}
	notRunning := func(err error) error {
		return errdefs.WithCategory(fmt.Errorf("cannot get stats of container %s: it is not running (%v)", c.Name, err), ErrCtrStateInvalid)
	}
	paths, err := cgroups.ProcessPaths(c.PID)
	if err != nil {
		return nil, notRunning(err)
	}
	cg, err := reader.Read(paths)
	if err != nil {
		return nil, notRunning(err)
	}
	now := time.Now()
	s.CPUNanos = cg.CPUNanos
	s.MemUsage = cg.MemoryUsage
	if cg.MemoryLimit > 0 && (hostMem == 0 || cg.MemoryLimit < hostMem) {
		s.MemLimit = cg.MemoryLimit
	}
	if s.MemLimit > 0 {
		s.MemPercent = 100 * float64(s.MemUsage) / float64(s.MemLimit)
	}
	s.BlockInput, s.BlockOutput = cg.BlockRead, cg.BlockWrite
	s.PIDs = cg.PIDs
	s.NetInput, s.NetOutput = netIO(c.PID)
	if !c.StartedAt.IsZero() {
		s.UpTime = now.Sub(c.StartedAt)
		s.AvgCPUPercent = percent(cg.CPUNanos, s.UpTime)
	}
	s.CPUPercent = s.AvgCPUPercent
	if p, ok := prev[c.ID]; ok && cg.CPUNanos >= p.cpu {
		s.CPUPercent = percent(cg.CPUNanos-p.cpu, now.Sub(p.at))
	}
	prev[c.ID] = statsSample{cpu: cg.CPUNanos, at: now}
	return s, nil
}

func percent(cpuNanos uint64, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * float64(cpuNanos) / float64(wall.Nanoseconds())
}

// hostMemory is MemTotal of /proc/meminfo in bytes (0 if unreadable): the
// limit of a container that has none.
func hostMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// netIO sums the received and sent bytes of every interface but loopback
// in the network namespace of process pid.
func netIO(pid int) (rx, tx uint64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return 0, 0
	}
	return parseNetDev(string(data))
}

// parseNetDev reads /proc/net/dev: two header lines, then
// "  eth0: RXbytes packets ... (8 fields) TXbytes ...".
func parseNetDev(data string) (rx, tx uint64) {
	for _, line := range strings.Split(data, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, err1 := strconv.ParseUint(f[0], 10, 64)
		t, err2 := strconv.ParseUint(f[8], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		rx += r
		tx += t
	}
	return rx, tx
}
