package e2e

import "testing"

// TestCpBetweenContainers checks cp CONTAINER:SRC CONTAINER:DST, as
// podman does it: from a running container into a created one, a
// directory under its own name and a file renamed, within one container,
// and a missing source refused.
func TestCpBetweenContainers(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "a", img, "sh", "-c", "mkdir -p /tmp/d && echo one > /tmp/d/f && ln -s /etc/passwd /tmp/d/l && sleep 600")
		e.MustPod("create", "--name", "b", img, "sh", "-c", "cat /tmp/d/f; readlink /tmp/d/l; cat /tmp/g; ls /srv/f")
		// The run's script may not have made /tmp/d yet: wait for it.
		for i := 0; i < 50 && e.Pod("exec", "a", "test", "-f", "/tmp/d/f").Code != 0; i++ {
			e.Pod("exec", "a", "sleep", "0.1")
		}
		e.MustPod("cp", "a:/tmp/d", "b:/tmp")
		e.MustPod("cp", "a:/tmp/d", "b:/srv") // missing: made with d's contents
		e.MustPod("cp", "a:/tmp/d/f", "b:/tmp/g")
		if got := out(e.MustPod("start", "-a", "b")); got != "one\n/etc/passwd\none\n/srv/f" {
			t.Errorf("b sees %q", got)
		}
		e.MustPod("cp", "a:/tmp/d/f", "a:/tmp/copy")
		if got := out(e.MustPod("exec", "a", "cat", "/tmp/copy")); got != "one" {
			t.Errorf("copy within a: %q", got)
		}
		e.Pod("cp", "a:/nope", "b:/srv").Fails(t, 125, `"/nope" could not be found in the container`)
		e.MustPod("rm", "-f", "-t", "0", "a")
	})
}
