package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oldPod is a pod built from a commit before networks were DB rows
// (POD_OLD_BINARY, with its pod-conmon beside it), copied where the
// rootless user reaches it; the test is skipped without one.
func oldPod(t *testing.T) string {
	t.Helper()
	src := os.Getenv("POD_OLD_BINARY")
	if src == "" {
		t.Skip("POD_OLD_BINARY (a pod from before networks were DB rows) is not set")
	}
	dir := filepath.Join(suite.tmpRoot, "old")
	os.MkdirAll(dir, 0o755)
	for _, name := range []string{"pod", "pod-conmon"} {
		if _, err := copyExecutable(filepath.Join(filepath.Dir(src), name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pod")
}

// withBinary runs fn with e's commands running bin.
func withBinary(e *Env, bin string, fn func()) {
	e.Binary = bin
	defer func() { e.Binary = "" }()
	fn()
}

// A store an older pod wrote (a network as a conflist, a container running
// on it, attached with host-local's lease files) works after the upgrade:
// the network is imported with its subnet, the running container's address
// is not handed out again, the network is in use, and the container's
// attachment is torn down at its stop, lease file included.
func TestNetworkUpgradeFromFiles(t *testing.T) {
	old := oldPod(t)
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		var img, oldIP string
		withBinary(e, old, func() {
			img = pulled(t, e)
			e.MustPod("network", "create", "--subnet", "10.131.5.0/24", "enup")
			e.MustPod("run", "-d", "--name", "enold", "--network", "enup", img, "sleep", "300")
			oldIP = ipOf(t, e, "enold", "enup")
		})
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "enup") })
		if _, err := os.Stat(filepath.Join(e.Root, "networks", "enup.conflist")); err != nil {
			t.Fatalf("the old pod wrote no conflist: %v", err)
		}
		legacy := filepath.Join("/var/lib/cni/networks", "enup", oldIP)
		if e.Rootless() {
			legacy = filepath.Join(e.RunRoot, "networks", "ipam", "enup", oldIP)
		}
		if _, err := os.Stat(legacy); err != nil {
			t.Fatalf("the old pod's lease file: %v", err)
		}

		if got := out(e.MustPod("network", "inspect", "-f", "{{(index .Subnets 0).Subnet}}", "enup")); got != "10.131.5.0/24" {
			t.Errorf("imported network's subnet: %q", got)
		}
		e.MustPod("run", "-d", "--name", "ennew", "--network", "enup", img, "sleep", "300")
		if newIP := ipOf(t, e, "ennew", "enup"); newIP == oldIP || !strings.HasPrefix(newIP, "10.131.5.") {
			t.Errorf("new container got %q, the old one has %q", newIP, oldIP)
		}
		e.Pod("network", "rm", "enup").Fails(t, 125, "network enup is in use by 2 container(s) (ennew, enold)")
		// The old container reaches the new one: both on the bridge.
		if r := e.Pod("exec", "enold", "ping", "-c", "1", "-W", "5", ipOf(t, e, "ennew", "enup")); r.Code != 0 {
			t.Errorf("old container cannot reach the new one: %s", r.Stdout+r.Stderr)
		}
		e.MustPod("stop", "-t", "0", "enold")
		if _, err := os.Stat(legacy); !os.IsNotExist(err) {
			t.Errorf("the old pod's lease file survived the stop: %v", err)
		}
		// Restarted by the new pod, it keeps working on the network.
		e.MustPod("start", "enold")
		if ip := ipOf(t, e, "enold", "enup"); !strings.HasPrefix(ip, "10.131.5.") {
			t.Errorf("enold after its restart: %q", ip)
		}
		e.MustPod("network", "rm", "-f", "enup")
		if r := e.Pod("ps", "-a", "-q"); strings.TrimSpace(r.Stdout) != "" {
			t.Errorf("containers left after network rm -f: %q", r.Stdout)
		}
	})
}
