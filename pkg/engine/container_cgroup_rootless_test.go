package engine

import (
	"reflect"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestDropUndelegated(t *testing.T) {
	limit, quota, shares := int64(64<<20), int64(50000), uint64(512)
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit},
		Pids:   &specs.LinuxPids{Limit: 50},
		CPU:    &specs.LinuxCPU{Quota: &quota, Shares: &shares, Cpus: "0"},
	}
	// Debian 12's default: cpu memory pids.
	got, dropped := dropUndelegated(res, map[string]bool{"cpu": true, "memory": true, "pids": true})
	if !reflect.DeepEqual(dropped, []string{"cpuset"}) {
		t.Errorf("dropped %v, want [cpuset]", dropped)
	}
	if got.Memory == nil || got.Pids == nil || got.CPU.Quota == nil || got.CPU.Cpus != "" {
		t.Errorf("kept %+v %+v", got, got.CPU)
	}
	if res.CPU.Cpus != "0" {
		t.Error("the container's own configuration was changed")
	}
	got, dropped = dropUndelegated(res, map[string]bool{"pids": true})
	if !reflect.DeepEqual(dropped, []string{"cpu", "cpuset", "memory"}) || got.Memory != nil || got.CPU.Shares != nil || got.Pids == nil {
		t.Errorf("only pids delegated: dropped %v, kept %+v", dropped, got)
	}
	if got, dropped := dropUndelegated(nil, nil); got != nil || dropped != nil {
		t.Error("no limits: nothing to drop")
	}
}

func TestInDelegated(t *testing.T) {
	root := "/user.slice/user-1000.slice/user@1000.service"
	for _, c := range []struct{ in, want string }{
		{"pod/pod-1", root + "/pod/pod-1"},
		{"/podtest-parent/pod-1", root + "/podtest-parent/pod-1"},
		{root + "/mine/pod-1", root + "/mine/pod-1"},
		// Only a whole path component counts as inside.
		{root + "x/pod-1", root + root + "x/pod-1"},
	} {
		if got := inDelegated(root, c.in); got != c.want {
			t.Errorf("inDelegated(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
