package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Paths is a process's cgroup membership as /proc/PID/cgroup lists it:
// v1 controller name ("memory", "cpuacct", ...) to its path in that
// controller's hierarchy; the key "" is the unified (v2) hierarchy.
type Paths map[string]string

// ParseProcCgroup parses the text of /proc/PID/cgroup
// ("4:memory:/a/b", "2:cpu,cpuacct:/a", "0::/a").
func ParseProcCgroup(data []byte) Paths {
	p := Paths{}
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		parts := strings.SplitN(s.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			p[""] = parts[2]
			continue
		}
		for _, ctl := range strings.Split(parts[1], ",") {
			p[strings.TrimPrefix(ctl, "name=")] = parts[2]
		}
	}
	return p
}

// ProcessPaths reads the cgroup membership of process pid.
func ProcessPaths(pid int) (Paths, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, fmt.Errorf("read cgroups of process %d: %w", pid, err)
	}
	return ParseProcCgroup(data), nil
}

// Stats is one reading of a cgroup's accounting files.
type Stats struct {
	CPUNanos    uint64 // CPU time used by every process in the cgroup, ever
	MemoryUsage uint64 // bytes in use, less the reclaimable (inactive) file cache
	// MemoryLimit is the hard memory limit in bytes; 0 means unlimited.
	MemoryLimit uint64
	BlockRead   uint64 // bytes read from block devices
	BlockWrite  uint64 // bytes written to block devices
	PIDs        uint64 // tasks in the cgroup now
}

// Reader reads Stats from the cgroup filesystems mounted under Root,
// laid out as Mode says. Root is a parameter so tests can point it at a
// fake tree.
type Reader struct {
	Root string
	Mode Mode
}

// HostReader reads this host's cgroups.
func HostReader() Reader { return Reader{Root: Root, Mode: Detect()} }

// unlimitedV1 is the smallest value cgroup v1 reports for "no limit" (the
// kernel rounds LONG_MAX down to a page multiple).
const unlimitedV1 = uint64(1) << 62

// Read reads the stats of the cgroup a process is in (its Paths). On a
// hybrid host the v1 controllers are read: the unified hierarchy there
// holds no controllers.
func (r Reader) Read(p Paths) (*Stats, error) {
	if r.Mode == Unified {
		path, ok := p[""]
		if !ok {
			return nil, errors.New("the process is in no cgroup v2 group")
		}
		return readV2(filepath.Join(r.Root, path))
	}
	return r.readV1(p)
}

func (r Reader) readV1(p Paths) (*Stats, error) {
	dir := func(ctl string) (string, error) {
		path, ok := p[ctl]
		if !ok {
			return "", fmt.Errorf("the process is in no cgroup v1 %s group", ctl)
		}
		return filepath.Join(r.Root, ctl, path), nil
	}
	var st Stats
	mem, err := dir("memory")
	if err != nil {
		return nil, err
	}
	if st.MemoryUsage, err = readUint(filepath.Join(mem, "memory.usage_in_bytes")); err != nil {
		return nil, err
	}
	if kv, err := readKeyValues(filepath.Join(mem, "memory.stat")); err == nil {
		st.MemoryUsage = less(st.MemoryUsage, kv["total_inactive_file"])
	}
	if st.MemoryLimit, err = readUint(filepath.Join(mem, "memory.limit_in_bytes")); err != nil {
		return nil, err
	}
	if st.MemoryLimit >= unlimitedV1 {
		st.MemoryLimit = 0
	}
	cpu, err := dir("cpuacct")
	if err != nil {
		return nil, err
	}
	if st.CPUNanos, err = readUint(filepath.Join(cpu, "cpuacct.usage")); err != nil {
		return nil, err
	}
	// Block I/O and PIDs are optional controllers: absent, they read 0.
	if blk, err := dir("blkio"); err == nil {
		st.BlockRead, st.BlockWrite = readBlkioV1(filepath.Join(blk, "blkio.throttle.io_service_bytes_recursive"))
	}
	if pids, err := dir("pids"); err == nil {
		st.PIDs, _ = readUint(filepath.Join(pids, "pids.current"))
	}
	return &st, nil
}

func readV2(dir string) (*Stats, error) {
	var st Stats
	var err error
	if st.MemoryUsage, err = readUint(filepath.Join(dir, "memory.current")); err != nil {
		return nil, err
	}
	if kv, err := readKeyValues(filepath.Join(dir, "memory.stat")); err == nil {
		st.MemoryUsage = less(st.MemoryUsage, kv["inactive_file"])
	}
	// "max" (no limit) does not parse and leaves 0.
	st.MemoryLimit, _ = readUint(filepath.Join(dir, "memory.max"))
	kv, err := readKeyValues(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return nil, err
	}
	st.CPUNanos = kv["usage_usec"] * 1000
	st.BlockRead, st.BlockWrite = readIOStatV2(filepath.Join(dir, "io.stat"))
	st.PIDs, _ = readUint(filepath.Join(dir, "pids.current"))
	return &st, nil
}

// less is a-b, or 0 when b exceeds a (the files are not read atomically).
func less(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read cgroup file: %w", err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, nil
}

// readKeyValues reads a flat "key value" file (memory.stat, cpu.stat).
func readKeyValues(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cgroup file: %w", err)
	}
	kv := map[string]uint64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			kv[f[0]] = v
		}
	}
	return kv, nil
}

// readBlkioV1 sums the Read and Write lines ("8:0 Read 4096") of a v1
// blkio service-bytes file over all devices.
func readBlkioV1(path string) (read, write uint64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		v, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			continue
		}
		switch f[1] {
		case "Read":
			read += v
		case "Write":
			write += v
		}
	}
	return read, write
}

// readIOStatV2 sums rbytes and wbytes of io.stat
// ("8:0 rbytes=4096 wbytes=0 rios=1 ...") over all devices.
func readIOStatV2(path string) (read, write uint64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		for _, f := range strings.Fields(line) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			switch k {
			case "rbytes":
				read += n
			case "wbytes":
				write += n
			}
		}
	}
	return read, write
}
