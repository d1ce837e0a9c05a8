package e2e

import (
	"strings"
	"testing"
)

// TestLatest: -l/--latest stands for the container created last, as
// podman's does, in every command that takes one.
func TestLatest(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.Pod("inspect", "-l").Fails(t, 125, "--latest: there are no containers")
		img := pulled(t, e)
		e.MustPod("create", "--name", "older", img, "sleep", "300")
		e.MustPod("create", "--name", "newest", img, "sh", "-c", "echo started; exec sleep 300")
		if got := out(e.MustPod("inspect", "-l", "-f", "{{.Name}}")); got != "newest" {
			t.Fatalf("inspect -l: %q, want newest", got)
		}
		e.MustPod("start", "-l")
		if got := out(e.MustPod("exec", "-l", "sh", "-c", "echo $((6*7))")); got != "42" {
			t.Errorf("exec -l: %q", got)
		}
		if got := e.MustPod("logs", "-l").Stdout; !strings.Contains(got, "started") {
			t.Errorf("logs -l: %q", got)
		}
		e.Pod("stop", "-l", "older").Fails(t, 125, "--latest and container names or IDs cannot be used together")
		e.MustPod("rm", "-f", "-t", "0", "-l")
		if got := out(e.MustPod("ps", "-a", "--format", "{{.Names}}")); got != "older" {
			t.Errorf("after rm -l: ps shows %q, want only older", got)
		}
		if got := out(e.MustPod("inspect", "-l", "-f", "{{.Name}}")); got != "older" {
			t.Errorf("inspect -l after the newest went: %q", got)
		}
	})
}

// TestPodLatest: `pod pod VERB -l` acts on the pod created last.
func TestPodLatest(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.Pod("pod", "stop", "-l").Fails(t, 125, "--latest: there are no pods")
		e.MustPod("pod", "create", "--name", "older-pod")
		e.MustPod("pod", "create", "--name", "newest-pod")
		if got := out(e.MustPod("pod", "inspect", "-l", "-f", "{{.Name}}")); got != "newest-pod" {
			t.Fatalf("pod inspect -l: %q, want newest-pod", got)
		}
		e.MustPod("pod", "rm", "-f", "-l")
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Name}}")); got != "older-pod" {
			t.Errorf("after pod rm -l: %q, want only older-pod", got)
		}
		e.MustPod("pod", "rm", "-f", "older-pod")
	})
}
