package top

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDescriptors(t *testing.T) {
	tests := []struct {
		args []string
		want []string
		ok   bool
	}{
		{nil, nil, true},
		{[]string{"pid,user", "args"}, []string{"pid", "user", "args"}, true},
		{[]string{"hpid", "huser,"}, []string{"hpid", "huser"}, true},
		{[]string{"-ef"}, nil, false},
		{[]string{"aux"}, nil, false},
		{[]string{"pid", "bogus"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, ok := ParseDescriptors(tt.args)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	init := &Process{HostPID: 5000, PID: 1, HostPPID: 4990, Comm: "sh", Args: []string{"sh", "-c", "sleep 100"},
		State: "S", PGRP: 5000, StartTicks: 1000, UTime: 30, STime: 20, VSize: 4096 * 1024, EUID: 0, RUID: 0,
		EGID: 0, CapEff: 1<<0 | 1<<5, CapBnd: 1<<41 - 1, Seccomp: "filter", TTY: 136<<8 | 3}
	child := &Process{HostPID: 5001, PID: 7, HostPPID: 5000, Comm: "sleep", State: "Z", PGRP: 5000,
		StartTicks: 1900, EUID: 1000, RUID: 1000, EGID: 1000, RGID: 1000}
	c := &Context{
		Now:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Uptime: 20 * time.Second,
		User:   func(id int) string { return map[int]string{0: "root"}[id] },
		Group:  func(id int) string { return map[int]string{0: "root"}[id] },
		HostUID: func(id int) int {
			return id + 100000
		},
		HostUser: func(id int) string { return map[int]string{100000: "podtest"}[id] },
	}
	rows, err := Format(c, []*Process{init, child}, append(DefaultDescriptors, "hpid", "huser", "pgid", "state",
		"capeff", "capbnd", "seccomp", "vsz", "comm", "stime", "group"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND", "HPID", "HUSER", "PGID", "STATE",
			"EFFECTIVE CAPS", "BOUNDING CAPS", "SECCOMP", "VSZ", "COMMAND", "STIME", "GROUP"},
		// Started 10 s after boot, 20 s uptime: 10 s elapsed, 0.5 s CPU.
		{"root", "1", "0", "5.000", "10s", "pts/3", "500ms", "sh -c sleep 100", "5000", "podtest", "1", "S",
			"CHOWN,KILL", "full", "filter", "4096", "sh", "2026-01-02 03:03:55 +0000 UTC", "root"},
		{"1000", "7", "1", "0.000", "1s", "?", "0s", "[sleep]", "5001", "101000", "1", "Z",
			"none", "none", "?", "0", "sleep", "2026-01-02 03:04:04 +0000 UTC", "1000"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("got\n%q\nwant\n%q", rows, want)
	}
}

func TestTTYName(t *testing.T) {
	for nr, want := range map[uint64]string{0: "?", 136<<8 | 0: "pts/0", 137<<8 | 2: "pts/258", 4<<8 | 1: "tty1", 4<<8 | 64: "ttyS0", 5<<8 | 1: "console", 1<<8 | 3: "?"} {
		if got := ttyName(nr); got != want {
			t.Errorf("ttyName(%#x) = %q, want %q", nr, got, want)
		}
	}
}

func TestReadOwnProcess(t *testing.T) {
	procs, err := InNamespaceOf("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range procs {
		if p.HostPID == os.Getpid() {
			found = true
			if p.State == "" || len(p.Args) == 0 || p.Comm == "" {
				t.Fatalf("own process read as %+v", p)
			}
		}
	}
	if !found {
		t.Fatal("own process not listed in its own PID namespace")
	}
}

func TestNamesAndIDMaps(t *testing.T) {
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\nbad line\n"), 0o644)
	names := NamesFromFile(passwd)
	if names(0) != "root" || names(65534) != "nobody" || names(5) != "" {
		t.Fatalf("names: %q %q %q", names(0), names(65534), names(5))
	}
	if NamesFromFile(filepath.Join(dir, "missing"))(0) != "" {
		t.Fatal("a missing file named an ID")
	}
	idmap := filepath.Join(dir, "uid_map")
	os.WriteFile(idmap, []byte("         0       1000          1\n         1     100000      65536\n"), 0o644)
	m := IDMapFromFile(idmap)
	for in, want := range map[int]int{0: 1000, 1: 100000, 1000: 100999, 70000: 70000} {
		if got := m(in); got != want {
			t.Errorf("map(%d) = %d, want %d", in, got, want)
		}
	}
	inside := InsideIDMapFromFile(idmap)
	for out, want := range map[int]int{1000: 0, 100000: 1, 100999: 1000, 5: 5} {
		if got := inside(out); got != want {
			t.Errorf("inside(%d) = %d, want %d", out, got, want)
		}
	}
}
