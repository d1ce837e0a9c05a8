package spec

import (
	"fmt"
	"os/exec"
	"testing"
	"time"
)

func TestOwnedByOwnUserNS(t *testing.T) {
	if !ownedByOwnUserNS("/proc/self/ns/net") {
		t.Error("our own network namespace is not owned by our user namespace")
	}
	if ownedByOwnUserNS("/nonexistent") {
		t.Error("a missing file is owned by us")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not installed")
	}
	// A network namespace made inside a new user namespace is owned by
	// that one, not ours: such a container would get /sys bound.
	cmd := exec.Command("unshare", "--user", "--map-root-user", "--net", "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot make a user namespace: %v", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	path := fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)
	// unshare switches namespaces after it starts: wait until it has.
	for i := 0; ownedByOwnUserNS(path); i++ {
		if i == 500 {
			t.Fatal("a namespace of a child user namespace reads as ours")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
