package main

import (
	"bytes"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// oomWatch reads the oom_kill counter of the container's memory cgroup, so
// that a kill counted in the cgroup of this run marks it OOM-killed.
type oomWatch struct {
	file string // memory.oom_control (v1) or memory.events (v2); "" = unknown
	// ino is an inotify descriptor on memory.events (v2; -1 otherwise):
	// the kernel notifies a change of its counters, and the count is
	// read then, while the cgroup exists. Under the systemd manager the
	// container's scope, cgroup and all, is removed as soon as it is
	// empty, often before the monitor has collected the exit and could
	// read the file.
	ino int
	// seen is whether a read since watchOOM found the counter higher.
	seen bool
}

// watchOOM finds the memory cgroup of pid while it runs (its cgroup file
// vanishes with it) and records the counter's current value. buf is
// scratch space; the files are parsed in place, so that the monitor keeps
// no start-up garbage.
func watchOOM(pid int, buf []byte) oomWatch {
	w := oomWatch{ino: -1}
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
		w.file = memoryEvents("/sys/fs/cgroup", string(v2))
	}
	// The counter starts at 0: the runtime makes the container's cgroup
	// anew for each run (a scope, or a directory it removes on delete).
	// Reading it here as the start would miss a kill that came before the
	// monitor got here, which a container filling its limit at once
	// (`tail /dev/zero` under -m 10m) often does in a slow guest.
	if n, ok := w.count(buf); ok {
		w.seen = n > 0
	} else {
		w.file = ""
	}
	if v1 == nil && w.file != "" {
		if fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC); err == nil {
			if _, err := unix.InotifyAddWatch(fd, w.file, unix.IN_MODIFY); err == nil {
				w.ino = fd
			} else {
				unix.Close(fd)
			}
		}
	}
	return w
}

// changed drains the inotify descriptor and reads the counter again.
func (w *oomWatch) changed(buf []byte) {
	for {
		if n, err := unix.Read(w.ino, buf); n <= 0 || err != nil {
			break
		}
	}
	w.check(buf)
}

// check reads the counter and remembers an increase.
func (w *oomWatch) check(buf []byte) {
	if n, ok := w.count(buf); ok && n > 0 {
		w.seen = true
	}
}

// close releases the inotify descriptor.
func (w *oomWatch) close() {
	if w.ino >= 0 {
		unix.Close(w.ino)
		w.ino = -1
	}
}

// memoryEvents is the memory.events file (under the cgroup v2 mount root)
// that counts OOM kills of a process in cgroup path: its own cgroup's, or,
// when the memory controller is not enabled there, its parent's, where the
// kernel then charges the process. crun under the systemd manager puts a
// container's processes in a "container" cgroup below the scope, which
// holds the limit; rootless, the scope may not pass the memory controller
// down to it. "" when neither has one (memory not delegated).
func memoryEvents(root, path string) string {
	for range 2 {
		f := root + path + "/memory.events"
		if unix.Access(f, unix.R_OK) == nil {
			return f
		}
		i := strings.LastIndexByte(path, '/')
		if i <= 0 {
			break
		}
		path = path[:i]
	}
	return ""
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
	w.check(buf)
	return w.seen
}
