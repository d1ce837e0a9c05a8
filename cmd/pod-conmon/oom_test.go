package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMemoryEvents(t *testing.T) {
	root := t.TempDir()
	mk := func(dir string, events bool) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if events {
			if err := os.WriteFile(filepath.Join(root, dir, "memory.events"), []byte("oom_kill 0\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A systemd scope with the memory controller, crun's "container"
	// cgroup below it without.
	mk("user.slice/pod-1.scope", true)
	mk("user.slice/pod-1.scope/container", false)
	// A container cgroup with its own controller, below one that has it too.
	mk("machine.slice/pod-2.scope", true)
	mk("machine.slice/pod-2.scope/container", true)
	// No memory controller in the container's cgroup nor its parent: the
	// grandparent's counts other processes' kills too, so it is not used.
	mk("top", true)
	mk("top/pod", false)
	mk("top/pod/pod-3", false)

	for _, c := range []struct{ path, want string }{
		{"/user.slice/pod-1.scope/container", "/user.slice/pod-1.scope/memory.events"},
		{"/machine.slice/pod-2.scope/container", "/machine.slice/pod-2.scope/container/memory.events"},
		{"/top/pod/pod-3", ""},
		{"/gone", ""},
	} {
		got := memoryEvents(root, c.path)
		if c.want != "" {
			c.want = root + c.want
		}
		if got != c.want {
			t.Errorf("memoryEvents(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}
