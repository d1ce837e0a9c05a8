// Package top lists the processes of one PID namespace from /proc and
// formats them with podman's top descriptors (user, pid, pcpu, args, ...).
package top

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Process is what /proc says about one process, read from outside its
// PID namespace.
type Process struct {
	HostPID int // the PID in the reader's namespace
	PID     int // the PID in the process's own (innermost) namespace
	// HostPPID is the parent's PID in the reader's namespace.
	HostPPID   int
	Comm       string
	Args       []string
	State      string
	PGRP       int
	TTY        uint64
	Nice       int
	VSize      uint64 // bytes
	UTime      uint64 // clock ticks
	STime      uint64
	StartTicks uint64 // clock ticks after boot
	// Real and effective user and group IDs as the reader's user
	// namespace sees them.
	RUID, EUID, RGID, EGID                 int
	CapInh, CapPrm, CapEff, CapBnd, CapAmb uint64
	Seccomp                                string
}

// InNamespaceOf lists every process whose PID namespace is that of process
// pid (found by the ns/pid link, so nothing needs the namespace joined),
// ordered by PID. procRoot is /proc, a parameter for tests.
func InNamespaceOf(procRoot string, pid int) ([]*Process, error) {
	want, err := os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "ns", "pid"))
	if err != nil {
		return nil, fmt.Errorf("read PID namespace of process %d: %w", pid, err)
	}
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", procRoot, err)
	}
	var out []*Process
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, err := os.Readlink(filepath.Join(procRoot, e.Name(), "ns", "pid")); err != nil || ns != want {
			continue
		}
		p, err := Read(procRoot, n)
		if err != nil {
			continue // it exited meanwhile
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("process %d has exited", pid)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

// Read reads /proc/PID/{stat,status,cmdline}.
func Read(procRoot string, pid int) (*Process, error) {
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return nil, err
	}
	p := &Process{HostPID: pid, PID: pid}
	if err := p.parseStat(string(stat)); err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return nil, err
	}
	p.parseStatus(string(status))
	if cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		cmdline = bytes.TrimRight(cmdline, "\x00")
		if len(cmdline) > 0 {
			p.Args = strings.Split(string(cmdline), "\x00")
		}
	}
	return p, nil
}

// parseStat reads /proc/PID/stat: "pid (comm) state ppid pgrp session
// tty_nr ...", where comm may hold spaces and parentheses.
func (p *Process) parseStat(s string) error {
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return fmt.Errorf("malformed stat %q", s)
	}
	p.Comm = s[open+1 : close]
	f := strings.Fields(s[close+1:])
	// f[0] is field 3 (state) of proc(5).
	if len(f) < 20 {
		return fmt.Errorf("short stat %q", s)
	}
	num := func(field int) uint64 {
		v, _ := strconv.ParseUint(f[field-3], 10, 64)
		return v
	}
	p.State = f[0]
	p.HostPPID = int(num(4))
	p.PGRP = int(num(5))
	p.TTY = num(7)
	p.UTime, p.STime = num(14), num(15)
	nice, _ := strconv.Atoi(f[19-3])
	p.Nice = nice
	p.StartTicks = num(22)
	p.VSize = num(23)
	return nil
}

// parseStatus reads the fields of /proc/PID/status that stat lacks.
func (p *Process) parseStatus(s string) {
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		hex := func() uint64 { n, _ := strconv.ParseUint(f[0], 16, 64); return n }
		switch k {
		case "NSpid":
			// The last is the PID in the innermost namespace.
			p.PID, _ = strconv.Atoi(f[len(f)-1])
		case "Uid":
			if len(f) >= 2 {
				p.RUID, _ = strconv.Atoi(f[0])
				p.EUID, _ = strconv.Atoi(f[1])
			}
		case "Gid":
			if len(f) >= 2 {
				p.RGID, _ = strconv.Atoi(f[0])
				p.EGID, _ = strconv.Atoi(f[1])
			}
		case "CapInh":
			p.CapInh = hex()
		case "CapPrm":
			p.CapPrm = hex()
		case "CapEff":
			p.CapEff = hex()
		case "CapBnd":
			p.CapBnd = hex()
		case "CapAmb":
			p.CapAmb = hex()
		case "Seccomp":
			switch f[0] {
			case "0":
				p.Seccomp = "disabled"
			case "1":
				p.Seccomp = "strict"
			case "2":
				p.Seccomp = "filter"
			}
		}
	}
}
