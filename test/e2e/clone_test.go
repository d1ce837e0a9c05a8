package e2e

import (
	"regexp"
	"strings"
	"testing"
)

var ctrIDRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestContainerClone checks that container clone makes a new container
// with the original's configuration (environment, labels, volumes,
// secrets), podman's default names, another image, --run and --destroy.
func TestContainerClone(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.PodStdin(strings.NewReader("pw"), "secret", "create", "s", "-").Success(t)
		e.MustPod("create", "--name", "orig", "-e", "GREETING=hi", "-l", "app=x", "-v", "data:/data", "--secret", "s",
			img, "sh", "-c", `echo "$GREETING $(cat /run/secrets/s)"; echo run >> /data/runs; wc -l < /data/runs`)
		id := out(e.MustPod("container", "clone", "orig"))
		if !ctrIDRe.MatchString(id) {
			t.Fatalf("clone printed %q, want an ID", id)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.Name}} {{index .Config.Labels \"app\"}}", id)); got != "orig-clone x" {
			t.Errorf("clone name and label: %q", got)
		}
		// The secret's copy goes with the clone, even with the secret gone.
		e.MustPod("secret", "rm", "s")
		if got := out(e.MustPod("start", "-a", "orig-clone")); got != "hi pw\n1" {
			t.Errorf("the clone ran: %q", got)
		}
		// The named volume is shared, as the original's configuration says.
		if got := out(e.MustPod("start", "-a", "orig")); got != "hi pw\n2" {
			t.Errorf("the original ran: %q", got)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.Name}}", out(e.MustPod("container", "clone", "orig")))); got != "orig-clone1" {
			t.Errorf("second default name: %q", got)
		}
		// NAME and IMAGE arguments, --run.
		e.MustPod("container", "clone", "--run", "orig", "other", suite.images.BusyboxTag)
		if got := out(e.MustPod("wait", "other")); got != "0" {
			t.Errorf("--run clone exited %q", got)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.ImageName}}", "other")); got != suite.images.BusyboxTag {
			t.Errorf("clone image: %q", got)
		}
		// --destroy removes the original.
		e.MustPod("container", "clone", "--destroy", "orig", "last")
		if e.Pod("container", "exists", "orig").Code != 1 {
			t.Error("--destroy left the original")
		}
		e.Pod("container", "clone", "nope").Fails(t, 125, "nope")
	})
}
