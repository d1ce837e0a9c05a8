package top

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ClockTicks is USER_HZ, the unit of /proc times: 100 on every Linux ABI
// pod runs on.
const ClockTicks = 100

// DefaultDescriptors is what `pod top CTR` shows, as podman does.
var DefaultDescriptors = []string{"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"}

// Context is what formatting needs beyond the processes themselves.
type Context struct {
	Now    time.Time
	Uptime time.Duration // since boot, read together with Now
	// User and Group name an ID as the container's /etc/passwd and
	// /etc/group do; HostUser and HostGroup as the host's do. Each
	// returns "" for an unknown ID.
	User, Group         func(id int) string
	HostUser, HostGroup func(id int) string
	// HostUID and HostGID map an ID as the reader sees it to the host's
	// (through the reader's user namespace).
	HostUID, HostGID func(id int) int
	// UID and GID map an ID as the reader sees it to the container's,
	// when the container has a user namespace of its own; nil is the
	// same ID.
	UID, GID func(id int) int
}

type descriptor struct {
	header string
	value  func(c *Context, p *Process, byHost map[int]*Process) string
}

var descriptors = map[string]descriptor{
	"args": {"COMMAND", func(_ *Context, p *Process, _ map[int]*Process) string {
		if len(p.Args) == 0 {
			return "[" + p.Comm + "]"
		}
		return strings.Join(p.Args, " ")
	}},
	"capamb": {"AMBIENT CAPS", func(_ *Context, p *Process, _ map[int]*Process) string { return capNames(p.CapAmb) }},
	"capbnd": {"BOUNDING CAPS", func(_ *Context, p *Process, _ map[int]*Process) string { return capNames(p.CapBnd) }},
	"capeff": {"EFFECTIVE CAPS", func(_ *Context, p *Process, _ map[int]*Process) string { return capNames(p.CapEff) }},
	"capinh": {"INHERITED CAPS", func(_ *Context, p *Process, _ map[int]*Process) string { return capNames(p.CapInh) }},
	"capprm": {"PERMITTED CAPS", func(_ *Context, p *Process, _ map[int]*Process) string { return capNames(p.CapPrm) }},
	"comm":   {"COMMAND", func(_ *Context, p *Process, _ map[int]*Process) string { return p.Comm }},
	"etime":  {"ELAPSED", func(c *Context, p *Process, _ map[int]*Process) string { return elapsed(c, p).String() }},
	"group":  {"GROUP", func(c *Context, p *Process, _ map[int]*Process) string { return name(c.Group, mapID(c.GID, p.EGID)) }},
	"hgroup": {"HGROUP", func(c *Context, p *Process, _ map[int]*Process) string {
		return name(c.HostGroup, mapID(c.HostGID, p.EGID))
	}},
	"hpid": {"HPID", func(_ *Context, p *Process, _ map[int]*Process) string { return strconv.Itoa(p.HostPID) }},
	"huser": {"HUSER", func(c *Context, p *Process, _ map[int]*Process) string {
		return name(c.HostUser, mapID(c.HostUID, p.EUID))
	}},
	"nice":    {"NI", func(_ *Context, p *Process, _ map[int]*Process) string { return strconv.Itoa(p.Nice) }},
	"pcpu":    {"%CPU", func(c *Context, p *Process, _ map[int]*Process) string { return pcpu(c, p) }},
	"pgid":    {"PGID", func(_ *Context, p *Process, m map[int]*Process) string { return strconv.Itoa(nsPID(m, p.PGRP)) }},
	"pid":     {"PID", func(_ *Context, p *Process, _ map[int]*Process) string { return strconv.Itoa(p.PID) }},
	"ppid":    {"PPID", func(_ *Context, p *Process, m map[int]*Process) string { return strconv.Itoa(nsPID(m, p.HostPPID)) }},
	"rgroup":  {"RGROUP", func(c *Context, p *Process, _ map[int]*Process) string { return name(c.Group, mapID(c.GID, p.RGID)) }},
	"ruser":   {"RUSER", func(c *Context, p *Process, _ map[int]*Process) string { return name(c.User, mapID(c.UID, p.RUID)) }},
	"seccomp": {"SECCOMP", func(_ *Context, p *Process, _ map[int]*Process) string { return orQuestion(p.Seccomp) }},
	"state":   {"STATE", func(_ *Context, p *Process, _ map[int]*Process) string { return p.State }},
	"stime": {"STIME", func(c *Context, p *Process, _ map[int]*Process) string {
		return c.Now.Add(-elapsed(c, p)).Truncate(time.Second).Format("2006-01-02 15:04:05 -0700 MST")
	}},
	"time": {"TIME", func(_ *Context, p *Process, _ map[int]*Process) string {
		return (time.Duration(p.UTime+p.STime) * (time.Second / ClockTicks)).String()
	}},
	"tty":  {"TTY", func(_ *Context, p *Process, _ map[int]*Process) string { return ttyName(p.TTY) }},
	"user": {"USER", func(c *Context, p *Process, _ map[int]*Process) string { return name(c.User, mapID(c.UID, p.EUID)) }},
	"vsz":  {"VSZ", func(_ *Context, p *Process, _ map[int]*Process) string { return strconv.FormatUint(p.VSize/1024, 10) }},
}

// Descriptors lists the descriptor names Format knows, sorted.
func Descriptors() []string {
	out := make([]string, 0, len(descriptors))
	for d := range descriptors {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// ParseDescriptors splits args ("pid,user" "args") into descriptor names.
// ok is false when one of them is not a descriptor (then args are ps(1)
// options).
func ParseDescriptors(args []string) (names []string, ok bool) {
	for _, a := range args {
		for _, d := range strings.Split(a, ",") {
			d = strings.TrimSpace(d)
			if d == "" {
				continue
			}
			if _, known := descriptors[d]; !known {
				return nil, false
			}
			names = append(names, d)
		}
	}
	return names, true
}

// Format returns a table (header row first) of procs in the columns names.
func Format(c *Context, procs []*Process, names []string) ([][]string, error) {
	byHost := make(map[int]*Process, len(procs))
	for _, p := range procs {
		byHost[p.HostPID] = p
	}
	rows := make([][]string, 0, len(procs)+1)
	header := make([]string, len(names))
	for i, n := range names {
		d, ok := descriptors[n]
		if !ok {
			return nil, fmt.Errorf("unknown descriptor %q", n)
		}
		header[i] = d.header
	}
	rows = append(rows, header)
	for _, p := range procs {
		row := make([]string, len(names))
		for i, n := range names {
			row[i] = descriptors[n].value(c, p, byHost)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// nsPID is the in-namespace PID of the process with host PID pid, or 0
// when it is outside the namespace (the container init's parent).
func nsPID(byHost map[int]*Process, pid int) int {
	if p, ok := byHost[pid]; ok {
		return p.PID
	}
	return 0
}

func elapsed(c *Context, p *Process) time.Duration {
	start := time.Duration(p.StartTicks) * (time.Second / ClockTicks)
	if c.Uptime < start {
		return 0
	}
	return c.Uptime - start
}

// pcpu is CPU time over wall time since the process started, in percent
// of one CPU, as ps and podman compute it.
func pcpu(c *Context, p *Process) string {
	e := elapsed(c, p)
	if e <= 0 {
		return "0.000"
	}
	cpu := time.Duration(p.UTime+p.STime) * (time.Second / ClockTicks)
	return fmt.Sprintf("%.3f", 100*cpu.Seconds()/e.Seconds())
}

func name(lookup func(int) string, id int) string {
	if lookup != nil {
		if n := lookup(id); n != "" {
			return n
		}
	}
	return strconv.Itoa(id)
}

func mapID(f func(int) int, id int) int {
	if f == nil {
		return id
	}
	return f(id)
}

func orQuestion(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// ttyName names a controlling terminal from stat's tty_nr: pseudo
// terminals (majors 136-143) and virtual consoles; "?" for none.
func ttyName(nr uint64) string {
	if nr == 0 {
		return "?"
	}
	major := (nr >> 8) & 0xfff
	minor := (nr & 0xff) | ((nr >> 12) & 0xfff00)
	switch {
	case major >= 136 && major <= 143:
		return fmt.Sprintf("pts/%d", (major-136)*256+minor)
	case major == 4 && minor < 64:
		return fmt.Sprintf("tty%d", minor)
	case major == 4:
		return fmt.Sprintf("ttyS%d", minor-64)
	case major == 5 && minor == 1:
		return "console"
	}
	return "?"
}

// capList names the capability bits in kernel order.
var capList = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// capNames is "none", "full" (every capability this list knows) or the
// set capabilities' names joined by commas, as podman prints them.
func capNames(set uint64) string {
	if set == 0 {
		return "none"
	}
	all := uint64(1)<<len(capList) - 1
	if set&all == all {
		return "full"
	}
	var names []string
	for i, n := range capList {
		if set&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}
