package e2e

import (
	"strings"
	"testing"
)

// TestCommit commits a container's changes with a new CMD and runs the
// result: the file the container wrote is in the image, the CMD applies,
// and the history records the message.
func TestCommit(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.MustPod("pull", "-q", suite.images.Busybox)
		e.MustPod("run", "--name", "c", "-e", "GREETING=hello", suite.images.Busybox, "sh", "-c", "echo committed > /greeting")
		id := strings.TrimSpace(e.MustPod("commit", "-c", `CMD ["sh", "-c", "cat /greeting; echo $GREETING"]`, "-m", "a greeting", "c", "greeter").Stdout)
		if len(id) != 64 {
			t.Fatalf("commit printed %q, want a 64-character image ID", id)
		}
		out := e.MustPod("run", "--rm", "greeter").Stdout
		if out != "committed\nhello\n" {
			t.Fatalf("the committed image printed %q, want the file and the environment", out)
		}
		if h := e.MustPod("history", "greeter").Stdout; !strings.Contains(h, "a greeting") {
			t.Fatalf("history lacks the commit message:\n%s", h)
		}
		// docker format, untagged.
		id2 := strings.TrimSpace(e.MustPod("commit", "--format", "docker", "c").Stdout)
		if got := e.MustPod("run", "--rm", id2, "cat", "/greeting").Stdout; got != "committed\n" {
			t.Fatalf("docker-format commit printed %q", got)
		}
		if r := e.Pod("commit", "nosuch", "x"); r.Code != 125 {
			t.Fatalf("commit of a missing container exited %d, want 125: %s", r.Code, r.Stderr)
		}
	})
}
