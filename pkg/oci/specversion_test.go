package oci

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestSpecVersionFor(t *testing.T) {
	crun181 := "crun version 1.8.1\ncommit: f8a096be\nrundir: /run/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX\n"
	runc115 := "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\n"
	crunNew := "crun version 1.21\nspec: 1.0.0\n"
	for _, tc := range []struct{ out, ours, want string }{
		{crun181, "1.2.1", "1.0.0"}, // Debian 12's crun: its own version
		{runc115, "1.2.1", "1.0.2-dev"},
		{runc115, "1.0.2", "1.0.2"}, // pod's is not newer: pod's
		{"runc version 1.2.0\nspec: 1.2.0\n", "1.2.1", "1.2.1"},
		{"runc version 1.3\nspec: 1.3.0\n", "1.2.1", "1.2.1"}, // never newer than pod knows
		{"no spec line\n", "1.2.1", "1.2.1"},
		{"spec: garbage\n", "1.2.1", "1.2.1"},
		{crunNew, "1.2.1", "1.0.0"},
	} {
		if got := specVersionFor(tc.out, tc.ours); got != tc.want {
			t.Errorf("specVersionFor(%q, %q) = %q, want %q", tc.out, tc.ours, got, tc.want)
		}
	}
}

// The answer outlives the pod process that asked: a second Runtime on the
// same state directory does not exec the runtime again, until the binary
// is replaced.
func TestSpecVersionCached(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	bin := filepath.Join(dir, "fake-runtime")
	script := func(spec string) string {
		return "#!/bin/sh\necho x >> " + calls + "\necho 'fake-runtime version 1'\necho 'spec: " + spec + "'\n"
	}
	if err := os.WriteFile(bin, []byte(script("1.0.0")), 0o755); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "runtime", "fake-runtime")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		data, _ := os.ReadFile(calls)
		return strings.Count(string(data), "x")
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if got := New(bin, state).SpecVersion(ctx); got != "1.0.0" {
			t.Fatalf("run %d: SpecVersion = %q, want 1.0.0", i, got)
		}
	}
	if n := count(); n != 1 {
		t.Fatalf("the runtime was asked %d times by 3 processes, want once", n)
	}
	// An upgrade: a new binary in place says it implements the newest.
	if err := os.WriteFile(bin+".new", []byte(script(specs.Version)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bin+".new", bin); err != nil {
		t.Fatal(err)
	}
	if got := New(bin, state).SpecVersion(ctx); got != specs.Version {
		t.Fatalf("after the upgrade SpecVersion = %q, want %s", got, specs.Version)
	}
	if n := count(); n != 2 {
		t.Fatalf("after the upgrade the runtime was asked %d times in all, want 2", n)
	}
}
