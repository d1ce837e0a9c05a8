package e2e

import (
	"strings"
	"testing"
)

// TestContainerRunlabel checks runlabel's substitutions, that a label's
// podman runs pod on the same storage, --display, --replace, appended
// arguments and a missing label.
func TestContainerRunlabel(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.Mkdir("ctx")
		e.WriteFile("ctx/Dockerfile", []byte("FROM "+img+"\n"+
			`LABEL RUN="/usr/bin/podman run --name NAME -e N=NAME -e I=\${IMAGE} IMAGE sh -c 'echo \$N; echo \$I'" `+
			`INSTALL="/bin/echo installing IMAGE into \${PWD} as NAME"`+"\n"))
		e.MustPod("build", "-q", "--pull=never", "-t", "localhost/rl", e.Path("ctx"))

		d := out(e.MustPod("container", "runlabel", "--display", "RUN", "localhost/rl"))
		if !strings.HasPrefix(d, "command: ") || !strings.HasSuffix(d, " run --name rl -e N=rl -e I=localhost/rl:latest localhost/rl:latest sh -c echo $N; echo $I") {
			t.Errorf("--display printed %q", d)
		}
		if n := len(e.MustPod("ps", "-a", "-q").Lines()); n != 0 {
			t.Errorf("--display ran something: %d containers", n)
		}
		if got := out(e.MustPod("container", "runlabel", "RUN", "localhost/rl")); got != "rl\nlocalhost/rl:latest" {
			t.Errorf("runlabel RUN printed %q", got)
		}
		// The nested pod used this storage: the container is here.
		if got := out(e.MustPod("ps", "-a", "--format", "{{.Names}}")); got != "rl" {
			t.Errorf("containers after runlabel: %q", got)
		}
		// The name is taken: the nested run's own failure and exit code.
		r := e.Pod("container", "runlabel", "RUN", "localhost/rl")
		if r.Code != 125 || !strings.Contains(r.Stderr, "rl") {
			t.Errorf("second runlabel: exit %d, stderr %q", r.Code, r.Stderr)
		}
		if got := out(e.MustPod("container", "runlabel", "--replace", "RUN", "localhost/rl")); got != "rl\nlocalhost/rl:latest" {
			t.Errorf("runlabel --replace printed %q", got)
		}
		if got := out(e.MustPod("container", "runlabel", "--name", "other", "INSTALL", "localhost/rl", "now", "please")); got != "installing localhost/rl:latest into "+e.Dir+" as other now please" {
			t.Errorf("runlabel INSTALL printed %q", got)
		}
		e.Pod("container", "runlabel", "NOPE", "localhost/rl").Fails(t, 125, "no label NOPE")
		e.Pod("container", "runlabel", "RUN").Fails(t, 125, "")
	})
}
