package specgen

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestBuildResources(t *testing.T) {
	i64 := func(n int64) *int64 { return &n }
	res, err := BuildResources(nil, LimitOptions{
		Memory: "64m", MemoryReservation: "32m", CPUs: 0.5, CPUShares: 512,
		CpusetCpus: "0", CpusetMems: "0", PidsLimit: i64(100), OOMKillDisable: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if *res.Memory.Limit != 64<<20 || *res.Memory.Reservation != 32<<20 || !*res.Memory.DisableOOMKiller {
		t.Errorf("memory %+v", res.Memory)
	}
	if swapAccounting() && (res.Memory.Swap == nil || *res.Memory.Swap != 128<<20) {
		t.Errorf("default swap %v, want twice the memory", res.Memory.Swap)
	}
	if *res.CPU.Quota != 50000 || *res.CPU.Period != 100000 || *res.CPU.Shares != 512 || res.CPU.Cpus != "0" || res.CPU.Mems != "0" {
		t.Errorf("cpu %+v", res.CPU)
	}
	if res.Pids.Limit != 100 {
		t.Errorf("pids %d", res.Pids.Limit)
	}
	// An update changes only what it names.
	up, err := BuildResources(res, LimitOptions{Memory: "128m", PidsLimit: i64(-1)})
	if err != nil {
		t.Fatal(err)
	}
	if *up.Memory.Limit != 128<<20 || up.Pids.Limit != -1 || *up.CPU.Shares != 512 || *res.Memory.Limit != 64<<20 {
		t.Errorf("update: %+v %+v (base changed: %d)", up.Memory, up.Pids, *res.Memory.Limit)
	}
	if r, err := BuildResources(nil, LimitOptions{}); r != nil || err != nil {
		t.Errorf("no limits: %v %v", r, err)
	}
	if r, err := BuildResources(nil, LimitOptions{Memory: "10m", MemorySwap: "-1"}); err != nil || (swapAccounting() && *r.Memory.Swap != -1) {
		t.Errorf("unlimited swap: %v", err)
	}

	for _, tt := range []struct {
		o   LimitOptions
		err string
	}{
		{LimitOptions{Memory: "1m"}, "minimum memory limit"},
		{LimitOptions{Memory: "lots"}, "invalid --memory"},
		{LimitOptions{MemorySwap: "100m"}, "needs --memory"},
		{LimitOptions{Memory: "100m", MemorySwap: "50m"}, "must not be smaller"},
		{LimitOptions{Memory: "10m", MemoryReservation: "20m"}, "must not be larger"},
		{LimitOptions{CPUs: 1000}, "range of CPUs"},
		{LimitOptions{CPUs: 1, CPUQuota: 5000}, "conflicts"},
		{LimitOptions{CPUPeriod: 10}, "--cpu-period"},
		{LimitOptions{CPUQuota: 10}, "--cpu-quota"},
		{LimitOptions{CPUShares: 1}, "--cpu-shares"},
		{LimitOptions{CpusetCpus: "0-a"}, "--cpuset-cpus"},
		{LimitOptions{CpusetMems: "3-1"}, "--cpuset-mems"},
		{LimitOptions{BlkioWeight: 5}, "--blkio-weight"},
	} {
		t.Run(tt.err, func(t *testing.T) {
			_, err := BuildResources(nil, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, errdefs.ErrInvalidArg) {
				t.Fatalf("err %v, want invalid argument containing %q", err, tt.err)
			}
		})
	}
}

func TestCgroupsPath(t *testing.T) {
	for _, tt := range []struct{ parent, want string }{
		{"", "pod/pod-abc"},
		{"/mine", "/mine/pod-abc"},
		{"a/b", "a/b/pod-abc"},
	} {
		if got := CgroupsPath(&ContainerConfig{CgroupParent: tt.parent}, "abc"); got != tt.want {
			t.Errorf("parent %q: %q, want %q", tt.parent, got, tt.want)
		}
	}
	for _, m := range []string{"", "cgroupfs"} {
		if err := CheckCgroupManager(m); err != nil {
			t.Errorf("%q: %v", m, err)
		}
	}
	for _, m := range []string{"other"} {
		if err := CheckCgroupManager(m); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("%q: %v", m, err)
		}
	}
	// systemd where it is the init system (sd_booted's test), only.
	_, err := os.Stat("/run/systemd/system")
	if got := CheckCgroupManager("systemd"); (got == nil) != (err == nil) {
		t.Errorf("systemd: %v, with /run/systemd/system: %v", got, err)
	}
}
