package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// monitors starts 10 containers with each engine, all running at once, and
// reads the RSS and PSS of each container's monitor (pod-conmon, conmon) from
// /proc/PID/smaps_rollup. The samples are per monitor, in MB.
func (b *bench) monitors(ctx context.Context, s *side) (rss, pss []*series) {
	rss, pss = []*series{{}, {}}, []*series{{}, {}}
	ids := make([][]string, 2)
	for k, e := range s.engines() {
		why := b.missing(e, []string{"run", "rm"})
		if why == "" {
			why = s.broken[e]
		}
		if why != "" {
			rss[k].absent, pss[k].absent = why, why
			continue
		}
		for i := 0; i < 10; i++ {
			out, err := e.must(ctx, "run", "-d", "--name", fmt.Sprintf("m%d", i), b.im.busybox, "sleep", "3600")
			if err != nil {
				rss[k].absent, pss[k].absent = "failed: "+short(err), "failed: "+short(err)
				b.logf("  %v", err)
				break
			}
			ids[k] = append(ids[k], lastLine(out))
		}
	}
	// Let the monitors finish starting up: their steady state is what
	// stays resident for a container's lifetime.
	time.Sleep(2 * time.Second)
	for k, e := range s.engines() {
		if rss[k].absent != "" {
			continue
		}
		comm := map[string]string{"pod": "pod-conmon", "podman": "conmon"}[e.name]
		pids, err := findMonitors(comm, e.dir, ids[k])
		if err != nil || len(pids) == 0 {
			rss[k].absent = fmt.Sprintf("no %s process found: %v", comm, err)
			pss[k].absent = rss[k].absent
			continue
		}
		if len(pids) != len(ids[k]) {
			b.logf("  %s: found %d %s processes for %d containers", e.name, len(pids), comm, len(ids[k]))
		}
		for _, pid := range pids {
			r, p, err := smapsRollup(pid)
			if err != nil {
				b.logf("  %s: %v", e.name, err)
				continue
			}
			rss[k].values = append(rss[k].values, r/1024)
			pss[k].values = append(pss[k].values, p/1024)
		}
	}
	for k, e := range s.engines() {
		if len(ids[k]) > 0 {
			if err := rmAll(ctx, e); err != nil {
				b.logf("  %s: %v", e.name, err)
			}
		}
	}
	return rss, pss
}

// findMonitors returns the PIDs of processes running the program comm that belong to one
// of the containers: their command line names the container, or they hold a
// file open under the engine's own directory (other engineers' monitors run
// on this machine too and must not be counted).
func findMonitors(comm, engineDir string, ids []string) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		// The executable, not comm: pod-conmon starts through a file
		// descriptor, so its comm is "exe".
		exe, err := os.Readlink(filepath.Join("/proc", ent.Name(), "exe"))
		if err != nil || filepath.Base(strings.TrimSuffix(exe, " (deleted)")) != comm {
			continue
		}
		if ownedBy(pid, engineDir, ids) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

func ownedBy(pid int, engineDir string, ids []string) bool {
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	if cmdline, err := os.ReadFile(filepath.Join(proc, "cmdline")); err == nil {
		for _, id := range ids {
			if id != "" && strings.Contains(string(cmdline), id) {
				return true
			}
		}
		if strings.Contains(string(cmdline), engineDir+"/") {
			return true
		}
	}
	fds, err := os.ReadDir(filepath.Join(proc, "fd"))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if t, err := os.Readlink(filepath.Join(proc, "fd", fd.Name())); err == nil && strings.HasPrefix(t, engineDir+"/") {
			return true
		}
	}
	return false
}

// smapsRollup returns a process's Rss and Pss in KiB.
func smapsRollup(pid int) (rss, pss float64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "Rss:":
			rss = v
		case "Pss:":
			pss = v
		}
	}
	return rss, pss, sc.Err()
}
