package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// inMountNS runs sh -c script where pod's mounts are visible: on the host
// as root, through `pod unshare` rootless.
func inMountNS(t *testing.T, e *Env, script string) (string, bool) {
	t.Helper()
	if e.Rootless() {
		r := e.Pod("unshare", "sh", "-c", script)
		return out(r), r.Code == 0
	}
	b, err := exec.Command("sh", "-c", script).CombinedOutput()
	return strings.TrimRight(string(b), "\n"), err == nil
}

// TestImageMount checks image mount (path printed, read-only, counted),
// the list and its JSON, and image unmount with and without --force.
func TestImageMount(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("image", "inspect", "-f", "{{.Id}}", img))
		p := out(e.MustPod("image", "mount", img))
		if !strings.HasPrefix(p, e.Root+"/") {
			t.Fatalf("mount printed %q, want a path under the graph root", p)
		}
		if got, ok := inMountNS(t, e, "test -x "+p+"/bin/sh && echo ok"); !ok || got != "ok" {
			t.Errorf("the mounted image has no /bin/sh: %q", got)
		}
		if _, ok := inMountNS(t, e, "touch "+p+"/new 2>/dev/null"); ok {
			t.Error("the image mount is writable")
		}
		if got := out(e.MustPod("image", "mount")); got != img+" "+p {
			t.Errorf("list: %q, want %q", got, img+" "+p)
		}
		var list []struct {
			ID           string `json:"id"`
			Repositories []string
			Mountpoint   string `json:"mountpoint"`
		}
		if err := json.Unmarshal([]byte(e.MustPod("image", "mount", "--format", "json").Stdout), &list); err != nil || len(list) != 1 || list[0].ID != strings.TrimPrefix(id, "sha256:") || list[0].Mountpoint != p {
			t.Errorf("list JSON: %+v %v", list, err)
		}
		// Counted: a second mount needs a second unmount.
		e.MustPod("image", "mount", img)
		if got := out(e.MustPod("image", "unmount", img)); got != strings.TrimPrefix(id, "sha256:") {
			t.Errorf("unmount printed %q, want the image ID", got)
		}
		if out(e.MustPod("image", "mount")) == "" {
			t.Error("one unmount of two mounts unmounted the image")
		}
		e.MustPod("image", "unmount", "--force", img)
		if got := out(e.MustPod("image", "mount")); got != "" {
			t.Errorf("after unmount --force the list shows %q", got)
		}
		if _, ok := inMountNS(t, e, "test -e "+p+"/bin/sh"); ok {
			t.Error("the image's filesystem is still mounted")
		}
		e.Pod("image", "mount", "nosuchimage").Fails(t, 125, "nosuchimage: image not known")
	})
}
