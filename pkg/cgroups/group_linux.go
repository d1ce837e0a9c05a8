package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Group is a cgroup that pod makes itself to hold other cgroups: a pod's,
// whose containers the runtime places below it. Its limits bound all of
// them together. Path is read as a runtime reads a cgroupfs cgroupsPath:
// an absolute path in each hierarchy, or, on cgroup v1, a path relative to
// the cgroup this process is in for each controller (the runtime, started
// by this process's monitor, resolves it the same way). Delegated, when
// set on cgroup v2, is the top of the subtree this process may manage: the
// controllers are enabled from there down, not from the root.
type Group struct {
	Mode      Mode
	Path      string
	Delegated string
}

// v1Controllers are the v1 hierarchies a group is made in: those its
// limits use. The runtime makes the group's directory in the others when it
// makes a container below it (mkdir -p); Remove removes it from every one.
var v1Controllers = []string{"memory", "cpu", "cpuset", "blkio", "pids"}

// dirs returns the group's directory in each hierarchy: the v1 controller
// name to the directory, or "" to the unified one.
func (g Group) dirs() (map[string]string, error) {
	if g.Mode == Unified {
		return map[string]string{"": filepath.Join(Root, path.Clean("/"+g.Path))}, nil
	}
	var own Paths
	if !path.IsAbs(g.Path) {
		data, err := os.ReadFile("/proc/self/cgroup")
		if err != nil {
			return nil, err
		}
		own = ParseProcCgroup(data)
	}
	out := map[string]string{}
	for ctl, base := range own {
		if ctl == "" {
			continue
		}
		out[ctl] = filepath.Join(Root, ctl, base, g.Path)
	}
	if own == nil {
		entries, err := os.ReadDir(Root)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Name() != "unified" {
				out[e.Name()] = filepath.Join(Root, e.Name(), g.Path)
			}
		}
	}
	for ctl := range out {
		if _, err := os.Stat(filepath.Join(Root, ctl)); err != nil {
			delete(out, ctl) // not mounted where a runtime looks for it
		}
	}
	return out, nil
}

// Create makes the group (and its parents) and writes res into it. It may
// be called again on a group that exists: the limits are written anew.
func (g Group) Create(res *specs.LinuxResources) error {
	dirs, err := g.dirs()
	if err != nil {
		return err
	}
	if g.Mode == Unified {
		return g.createV2(dirs[""], res)
	}
	for _, ctl := range v1Controllers {
		dir, ok := dirs[ctl]
		if !ok {
			continue
		}
		if err := mkdirV1(ctl, dir); err != nil {
			return err
		}
		if err := writeV1(ctl, dir, res); err != nil {
			return err
		}
	}
	return nil
}

// Dir is the group's directory in the hierarchy of ctl ("" on cgroup v2),
// as this process resolves it; "" when it has none there.
func (g Group) Dir(ctl string) string {
	dirs, err := g.dirs()
	if err != nil {
		return ""
	}
	if g.Mode == Unified {
		return dirs[""]
	}
	return dirs[ctl]
}

// Remove removes the group's directories. The kernel refuses while a
// cgroup below still exists (a container's that its runtime has not
// removed): that is an error naming it. A group already gone is no error.
func (g Group) Remove() error {
	dirs, err := g.dirs()
	if err != nil {
		return err
	}
	var errs []error
	for _, dir := range dirs {
		if err := unix.Rmdir(dir); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}

// mkdirV1 makes dir in the hierarchy of ctl. A new cpuset cgroup has no
// CPUs nor memory nodes, and no process can join it or its children until
// it has: they are copied from its parent, as the runtimes do for theirs.
func mkdirV1(ctl, dir string) error {
	if ctl != "cpuset" {
		return os.MkdirAll(dir, 0o755)
	}
	top := filepath.Join(Root, "cpuset")
	rel, err := filepath.Rel(top, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup %s is outside %s", dir, top)
	}
	cur := top
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		parent := cur
		cur = filepath.Join(cur, part)
		if err := os.Mkdir(cur, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			b, err := os.ReadFile(filepath.Join(cur, f))
			if err != nil {
				return err
			}
			if strings.TrimSpace(string(b)) != "" {
				continue
			}
			pb, err := os.ReadFile(filepath.Join(parent, f))
			if err != nil {
				return err
			}
			if err := writeFile(cur, f, strings.TrimSpace(string(pb))); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeV1 writes the limits of res that the v1 controller ctl holds.
func writeV1(ctl, dir string, res *specs.LinuxResources) error {
	if res == nil {
		return nil
	}
	switch ctl {
	case "memory":
		if m := res.Memory; m != nil {
			if m.Limit != nil {
				if err := writeFile(dir, "memory.limit_in_bytes", strconv.FormatInt(*m.Limit, 10)); err != nil {
					return err
				}
			}
			// memsw is memory plus swap, and never below the memory limit:
			// written after it.
			if m.Swap != nil && fileExists(filepath.Join(dir, "memory.memsw.limit_in_bytes")) {
				if err := writeFile(dir, "memory.memsw.limit_in_bytes", strconv.FormatInt(*m.Swap, 10)); err != nil {
					return err
				}
			}
		}
	case "cpu":
		if c := res.CPU; c != nil {
			if c.Shares != nil {
				if err := writeFile(dir, "cpu.shares", strconv.FormatUint(*c.Shares, 10)); err != nil {
					return err
				}
			}
			if c.Period != nil {
				if err := writeFile(dir, "cpu.cfs_period_us", strconv.FormatUint(*c.Period, 10)); err != nil {
					return err
				}
			}
			if c.Quota != nil {
				if err := writeFile(dir, "cpu.cfs_quota_us", strconv.FormatInt(*c.Quota, 10)); err != nil {
					return err
				}
			}
		}
	case "cpuset":
		if c := res.CPU; c != nil {
			if c.Cpus != "" {
				if err := writeFile(dir, "cpuset.cpus", c.Cpus); err != nil {
					return err
				}
			}
			if c.Mems != "" {
				if err := writeFile(dir, "cpuset.mems", c.Mems); err != nil {
					return err
				}
			}
		}
	case "blkio":
		b := res.BlockIO
		if b == nil {
			return nil
		}
		if b.Weight != nil {
			f := "blkio.weight"
			if !fileExists(filepath.Join(dir, f)) {
				f = "blkio.bfq.weight"
			}
			if err := writeFile(dir, f, strconv.Itoa(int(*b.Weight))); err != nil {
				return err
			}
		}
		for _, d := range b.WeightDevice {
			if d.Weight != nil {
				if err := writeFile(dir, "blkio.weight_device", fmt.Sprintf("%d:%d %d", d.Major, d.Minor, *d.Weight)); err != nil {
					return err
				}
			}
		}
		for _, t := range []struct {
			file string
			devs []specs.LinuxThrottleDevice
		}{{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice}, {"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
			{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice}, {"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice}} {
			for _, d := range t.devs {
				if err := writeFile(dir, t.file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate)); err != nil {
					return err
				}
			}
		}
	case "pids":
		if res.Pids != nil {
			v := "max"
			if res.Pids.Limit > 0 {
				v = strconv.FormatInt(res.Pids.Limit, 10)
			}
			if err := writeFile(dir, "pids.max", v); err != nil {
				return err
			}
		}
	}
	return nil
}

// createV2 makes dir in the unified hierarchy with the controllers res
// needs enabled on the way down (and in dir itself, for the cgroups the
// runtime makes below it), then writes res.
func (g Group) createV2(dir string, res *specs.LinuxResources) error {
	top := Root
	if g.Delegated != "" {
		top = filepath.Join(Root, g.Delegated)
	}
	rel, err := filepath.Rel(top, dir)
	if err != nil || strings.HasPrefix(rel, "..") || rel == "." {
		return fmt.Errorf("cgroup %s is outside %s", dir, top)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	want := v2Controllers(res)
	cur := top
	parts := strings.Split(rel, string(filepath.Separator))
	for i := 0; i <= len(parts); i++ {
		if i > 0 {
			cur = filepath.Join(cur, parts[i-1])
		}
		have := readControllers(cur)
		for _, c := range want {
			if !have[c.name] {
				continue
			}
			// One at a time: a controller the limits do not need (one
			// pod only reads for stats) may fail alone.
			if err := writeFile(cur, "cgroup.subtree_control", "+"+c.name); err != nil && c.needed {
				return err
			}
		}
	}
	return writeV2(dir, res)
}

type v2Controller struct {
	name   string
	needed bool // res sets one of its files
}

// v2Controllers are the controllers a group's children get: those of its
// limits, and those pod reads for stats.
func v2Controllers(res *specs.LinuxResources) []v2Controller {
	var r specs.LinuxResources
	if res != nil {
		r = *res
	}
	cpu := r.CPU != nil && (r.CPU.Quota != nil || r.CPU.Period != nil || r.CPU.Shares != nil)
	cpuset := r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != "")
	out := []v2Controller{{"cpu", cpu}, {"memory", r.Memory != nil}, {"pids", r.Pids != nil}, {"io", r.BlockIO != nil}}
	if cpuset {
		out = append(out, v2Controller{"cpuset", true})
	}
	return out
}

func readControllers(dir string) map[string]bool {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return nil
	}
	m := map[string]bool{}
	for _, c := range strings.Fields(string(b)) {
		m[c] = true
	}
	return m
}

// writeV2 writes res into the v2 cgroup dir, converting v1 values as the
// runtimes do (shares to weight, memory+swap to swap).
func writeV2(dir string, res *specs.LinuxResources) error {
	if res == nil {
		return nil
	}
	if m := res.Memory; m != nil {
		if m.Limit != nil {
			if err := writeFile(dir, "memory.max", maxOr(*m.Limit)); err != nil {
				return err
			}
		}
		if m.Swap != nil && fileExists(filepath.Join(dir, "memory.swap.max")) {
			// v1's figure is memory plus swap; v2 limits swap alone.
			v := "max"
			if *m.Swap > 0 && m.Limit != nil && *m.Limit > 0 {
				v = strconv.FormatInt(max(*m.Swap-*m.Limit, 0), 10)
			}
			if err := writeFile(dir, "memory.swap.max", v); err != nil {
				return err
			}
		}
	}
	if c := res.CPU; c != nil {
		if c.Quota != nil || c.Period != nil {
			quota, period := "max", uint64(100000)
			if c.Quota != nil && *c.Quota > 0 {
				quota = strconv.FormatInt(*c.Quota, 10)
			}
			if c.Period != nil && *c.Period > 0 {
				period = *c.Period
			}
			if err := writeFile(dir, "cpu.max", fmt.Sprintf("%s %d", quota, period)); err != nil {
				return err
			}
		}
		if c.Shares != nil {
			if err := writeFile(dir, "cpu.weight", strconv.FormatUint(SharesToWeight(*c.Shares), 10)); err != nil {
				return err
			}
		}
		if c.Cpus != "" {
			if err := writeFile(dir, "cpuset.cpus", c.Cpus); err != nil {
				return err
			}
		}
		if c.Mems != "" {
			if err := writeFile(dir, "cpuset.mems", c.Mems); err != nil {
				return err
			}
		}
	}
	if res.Pids != nil {
		if err := writeFile(dir, "pids.max", maxOr(res.Pids.Limit)); err != nil {
			return err
		}
	}
	if b := res.BlockIO; b != nil {
		if b.Weight != nil {
			if err := writeFile(dir, "io.weight", fmt.Sprintf("default %d", BlkioToIOWeight(*b.Weight))); err != nil {
				return err
			}
		}
		for _, d := range b.WeightDevice {
			if d.Weight != nil {
				if err := writeFile(dir, "io.weight", fmt.Sprintf("%d:%d %d", d.Major, d.Minor, BlkioToIOWeight(*d.Weight))); err != nil {
					return err
				}
			}
		}
		for _, t := range []struct {
			key  string
			devs []specs.LinuxThrottleDevice
		}{{"rbps", b.ThrottleReadBpsDevice}, {"wbps", b.ThrottleWriteBpsDevice}, {"riops", b.ThrottleReadIOPSDevice}, {"wiops", b.ThrottleWriteIOPSDevice}} {
			for _, d := range t.devs {
				if err := writeFile(dir, "io.max", fmt.Sprintf("%d:%d %s=%d", d.Major, d.Minor, t.key, d.Rate)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// SharesToWeight converts v1 cpu.shares (2-262144) to v2 cpu.weight
// (1-10000), as the OCI runtimes do.
func SharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	return 1 + ((shares-2)*9999)/262142
}

// BlkioToIOWeight converts a v1 blkio weight (10-1000) to a v2 io.weight
// (1-10000), as the OCI runtimes do.
func BlkioToIOWeight(w uint16) uint64 {
	if w < 10 {
		return 1
	}
	return 1 + (uint64(w)-10)*9999/990
}

func maxOr(n int64) string {
	if n <= 0 {
		return "max"
	}
	return strconv.FormatInt(n, 10)
}

// writeFile writes one controller file, naming it in the error.
func writeFile(dir, file, value string) error {
	if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
		return fmt.Errorf("write %s to %s: %w", value, filepath.Join(dir, file), err)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
