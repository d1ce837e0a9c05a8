package spec

import (
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestClampRlimits(t *testing.T) {
	var own unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &own); err != nil {
		t.Fatal(err)
	}
	if own.Max == Unlimited {
		t.Skip("this process's open-file limit is unlimited: nothing to clamp to")
	}
	p := &specs.Process{Rlimits: []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: own.Max + 10, Hard: own.Max + 10},
		{Type: "RLIMIT_CORE", Soft: 0, Hard: 0},
	}}
	ClampRlimits(p)
	if got := p.Rlimits[0]; got.Hard != own.Max || got.Soft != own.Max {
		t.Errorf("nofile clamped to %d:%d, want %d:%d", got.Soft, got.Hard, own.Max, own.Max)
	}
	if got := p.Rlimits[1]; got.Hard != 0 || got.Soft != 0 {
		t.Errorf("core changed to %d:%d, want 0:0", got.Soft, got.Hard)
	}
}
