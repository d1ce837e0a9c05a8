package main

import (
	"bytes"
	"strconv"
)

// oomWatch reads the oom_kill counter of the container's memory cgroup, so
// that an increase during the container's life marks it OOM-killed.
type oomWatch struct {
	file  string // memory.oom_control (v1) or memory.events (v2); "" = unknown
	start uint64
}

// watchOOM finds the memory cgroup of pid while it runs (its cgroup file
// vanishes with it) and records the counter's current value. buf is
// scratch space; the files are parsed in place, so that the monitor keeps
// no start-up garbage.
func watchOOM(pid int, buf []byte) oomWatch {
	var w oomWatch
	b, err := readSmall("/proc/"+strconv.Itoa(pid)+"/cgroup", buf)
	if err != nil {
		return w
	}
	var v1, v2 []byte
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		// "hierarchy-ID:controller-list:path"
		id, rest, ok1 := bytes.Cut(line, []byte{':'})
		ctrls, path, ok2 := bytes.Cut(rest, []byte{':'})
		if !ok1 || !ok2 {
			continue
		}
		if string(id) == "0" && len(ctrls) == 0 {
			v2 = path
			continue
		}
		for c := ctrls; len(c) > 0; {
			var ctrl []byte
			ctrl, c, _ = bytes.Cut(c, []byte{','})
			if string(ctrl) == "memory" {
				// A memory controller on v1 wins over a (hybrid,
				// empty) unified hierarchy.
				v1 = line[len(id)+1:]
			}
		}
	}
	switch {
	case v1 != nil:
		ctrls, path, _ := bytes.Cut(v1, []byte{':'})
		w.file = "/sys/fs/cgroup/" + string(ctrls) + string(path) + "/memory.oom_control"
	case v2 != nil:
		w.file = "/sys/fs/cgroup" + string(v2) + "/memory.events"
	}
	if n, ok := w.count(buf); ok {
		w.start = n
	} else {
		w.file = ""
	}
	return w
}

func (w *oomWatch) count(buf []byte) (uint64, bool) {
	if w.file == "" {
		return 0, false
	}
	b, err := readSmall(w.file, buf)
	if err != nil {
		return 0, false
	}
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		if v, ok := bytes.CutPrefix(line, []byte("oom_kill ")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// killed reports whether the OOM killer acted in the cgroup since watchOOM;
// buf is scratch space.
func (w *oomWatch) killed(buf []byte) bool {
	n, ok := w.count(buf)
	return ok && n > w.start
}
