package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVolumeMount checks volume mount and unmount: a plain volume's path;
// a tmpfs volume's filesystem, shared with the containers that use it while
// mounted and gone once unmounted.
func TestVolumeMount(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("volume", "create", "plain")
		want := out(e.MustPod("volume", "inspect", "-f", "{{.Mountpoint}}", "plain"))
		if got := out(e.MustPod("volume", "mount", "plain")); got != want {
			t.Errorf("volume mount plain = %q, want its mountpoint %q", got, want)
		}
		e.MustPod("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=1m", "tv")
		path := out(e.MustPod("volume", "mount", "tv"))
		if path != out(e.MustPod("volume", "inspect", "-f", "{{.Mountpoint}}", "tv")) {
			t.Fatalf("volume mount tv printed %q", path)
		}
		// Written through the host's mount, read by a container: one
		// filesystem. Rootless, the mount is in pod's mount namespace.
		if e.Rootless() {
			e.MustPod("unshare", "sh", "-c", "echo hostside > "+path+"/f")
		} else if err := os.WriteFile(filepath.Join(path, "f"), []byte("hostside\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := out(e.MustPod("run", "--rm", "-v", "tv:/v", img, "cat", "/v/f")); got != "hostside" {
			t.Errorf("the container read %q through the mounted volume", got)
		}
		// The container's exit does not unmount what volume mount holds.
		if got := out(e.MustPod("run", "--rm", "-v", "tv:/v", img, "cat", "/v/f")); got != "hostside" {
			t.Errorf("after a container's exit the volume held %q", got)
		}
		if got := out(e.MustPod("volume", "unmount", "tv")); got != "tv" {
			t.Errorf("volume unmount printed %q", got)
		}
		// Unmounted: the next container gets a fresh tmpfs.
		r := e.MustPod("run", "--rm", "-v", "tv:/v", img, "sh", "-c", "ls /v | wc -l")
		if got := strings.TrimSpace(r.Stdout); got != "0" {
			t.Errorf("after unmount the volume still had %s entries", got)
		}
		e.MustPod("volume", "unmount", "tv") // not mounted: nothing to do
		e.Pod("volume", "mount", "nosuch").Fails(t, 125, "nosuch")
		e.Pod("volume", "unmount", "nosuch").Fails(t, 125, "nosuch")
	})
}
