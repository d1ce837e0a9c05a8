package main

import (
	"bytes"
	"strconv"
	"strings"
)

// oomWatch reads the oom_kill counter of the container's memory cgroup, so
// that an increase during the container's life marks it OOM-killed.
type oomWatch struct {
	file  string // memory.oom_control (v1) or memory.events (v2); "" = unknown
	start uint64
}

// watchOOM finds the memory cgroup of pid while it runs (its cgroup file
// vanishes with it) and records the counter's current value.
func watchOOM(pid int) *oomWatch {
	w := &oomWatch{}
	b, err := readSmall("/proc/"+strconv.Itoa(pid)+"/cgroup", make([]byte, 512))
	if err != nil {
		return w
	}
	var v2 string
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			if ctrl == "memory" {
				// A memory controller on v1 wins over a (hybrid, empty)
				// unified hierarchy.
				w.file = "/sys/fs/cgroup/" + parts[1] + parts[2] + "/memory.oom_control"
			}
		}
	}
	if w.file == "" && v2 != "" {
		w.file = "/sys/fs/cgroup" + v2 + "/memory.events"
	}
	if n, ok := w.count(); ok {
		w.start = n
	} else {
		w.file = ""
	}
	return w
}

func (w *oomWatch) count() (uint64, bool) {
	if w.file == "" {
		return 0, false
	}
	var buf [1024]byte
	b, err := readSmall(w.file, buf[:])
	if err != nil {
		return 0, false
	}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if v, ok := bytes.CutPrefix(line, []byte("oom_kill ")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// killed reports whether the OOM killer acted in the cgroup since watchOOM.
func (w *oomWatch) killed() bool {
	n, ok := w.count()
	return ok && n > w.start
}
