package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
)

// Pods: `pod pod ...`, `run --pod`, `ps --pod`. Names start with "pp-",
// host ports come from 21200-21299, bridge subnets from 10.132.0.0/16.

// ppPort returns a free host port in 21200-21299.
func ppPort(t *testing.T) int {
	t.Helper()
	for _, i := range rand.Perm(100) {
		p := 21200 + i
		l, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		return p
	}
	t.Fatal("no free port in 21200-21299")
	return 0
}

// ppNetwork gives a root Env a bridge network in 10.132.0.0/16 and returns
// the pod create flags that attach to it; a rootless Env gets slirp4netns,
// pod's default there.
func ppNetwork(t *testing.T, e *Env) []string {
	t.Helper()
	if e.Rootless() {
		return nil
	}
	name := fmt.Sprintf("pp-net%d", rand.IntN(1000))
	e.MustPod("network", "create", "--subnet", fmt.Sprintf("10.132.%d.0/24", 1+rand.IntN(250)), name)
	t.Cleanup(func() { e.Pod("network", "rm", "-f", name) })
	return []string{"--network", name}
}

// podCleanup removes the Env's pods before the Env's own cleanup, which
// removes containers only.
func podCleanup(t *testing.T, e *Env) {
	t.Cleanup(func() { e.Pod("pod", "rm", "-af", "-t", "0") })
}

func TestPodSharedNetworkAndPorts(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		port := ppPort(t)
		args := append([]string{"pod", "create", "--name", "pp-web", "-p", fmt.Sprintf("%d:80", port)}, ppNetwork(t, e)...)
		podID := out(e.MustPod(args...))
		if len(podID) != 64 {
			t.Fatalf("pod create printed %q, want a pod ID", podID)
		}
		e.MustPod("run", "-d", "--pod", "pp-web", "--name", "pp-srv", "--stop-timeout", "1", img,
			"sh", "-c", "mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 80 -h /www")
		// Another container of the pod reaches it on localhost.
		r := e.MustPod("run", "--rm", "--pod", "pp-web", img, "sh", "-c",
			"for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://127.0.0.1/ && break; sleep 0.3; done")
		if out(r) != "hello-from-pod" {
			t.Fatalf("wget localhost from a pod member: %q (stderr %q)", r.Stdout, r.Stderr)
		}
		// The pod's published port answers on the host.
		if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || body != "hello-from-pod\n" {
			t.Fatalf("GET the pod's published port: %q, %v", body, err)
		}
		// The pod's UTS namespace: its name is the hostname of every member.
		if got := out(e.MustPod("run", "--rm", "--pod", "pp-web", img, "hostname")); got != "pp-web" {
			t.Errorf("hostname in the pod: %q", got)
		}
		// ps --pod shows the pod of each container.
		r = e.MustPod("ps", "--pod", "--filter", "name=pp-srv")
		if !strings.Contains(r.Stdout, "POD ID") || !strings.Contains(r.Stdout, "PODNAME") ||
			!strings.Contains(r.Stdout, podID[:12]) || !strings.Contains(r.Stdout, "pp-web") {
			t.Errorf("ps --pod:\n%s", r.Stdout)
		}
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}}")); got != "pp-web Running 2" {
			t.Errorf("pod ps: %q", got)
		}
		if got := out(e.MustPod("pod", "ps", "--ctr-names", "--noheading", "--format", "{{.ContainerNames}}")); !strings.Contains(got, "pp-srv") || !strings.Contains(got, "-infra") {
			t.Errorf("pod ps --ctr-names: %q", got)
		}
		ins := e.MustPod("pod", "inspect", "--format", "{{.Name}} {{.State}} {{.NumContainers}} {{.SharedNamespaces}}", "pp-web")
		if got := out(ins); got != "pp-web Running 2 [net ipc uts]" {
			t.Errorf("pod inspect: %q", got)
		}
		infra := out(e.MustPod("pod", "inspect", "--format", "{{.InfraContainerID}}", "pp-web"))

		// The pod survives stop and start with its containers.
		e.MustPod("pod", "stop", "-t", "1", "pp-web")
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Status}}")); got != "Exited" {
			t.Errorf("pod status after stop: %q", got)
		}
		if got := out(e.MustPod("ps", "-q")); got != "" {
			t.Errorf("running containers after pod stop: %q", got)
		}
		e.MustPod("pod", "start", "pp-web")
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Status}}")); got != "Running" {
			t.Errorf("pod status after start: %q", got)
		}
		if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || body != "hello-from-pod\n" {
			t.Fatalf("GET the pod's port after pod start: %q, %v", body, err)
		}

		// The infra container goes only with its pod; a running pod only with -f.
		e.Pod("rm", "-f", infra).Fails(t, 2, "is the infra container of pod")
		e.Pod("pod", "rm", "pp-web").Fails(t, 2, "running or paused containers cannot be removed without force")
		if got := out(e.MustPod("pod", "ps", "-q", "--no-trunc")); got != podID {
			t.Fatalf("pod ps -q after refused rm: %q", got)
		}
		// clone --destroy --start: a new pod with the same ports and a
		// copy of the server, the original gone.
		cloneID := out(e.MustPod("pod", "clone", "--name", "pp-web2", "--destroy", "--start", "pp-web"))
		if got := out(e.MustPod("pod", "ps", "--no-trunc", "--format", "{{.ID}} {{.Name}} {{.Status}} {{.NumberOfContainers}}")); got != cloneID+" pp-web2 Running 2" {
			t.Fatalf("pod ps after clone --destroy --start: %q", got)
		}
		if got := out(e.MustPod("ps", "--format", "{{.Names}}", "--filter", "name=pp-srv")); got != "pp-srv-clone" {
			t.Errorf("containers after clone: %q", got)
		}
		waitFor(t, func() bool {
			body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
			return err == nil && body == "hello-from-pod\n"
		})
		if got := out(e.MustPod("exec", "pp-srv-clone", "hostname")); got != "pp-web2" {
			t.Errorf("hostname in the cloned pod: %q", got)
		}
		e.MustPod("pod", "rm", "-f", "-t", "0", "pp-web2")
		if got := out(e.MustPod("pod", "ps", "-q")); got != "" {
			t.Errorf("pods after pod rm -f: %q", got)
		}
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Errorf("containers after pod rm -f: %q", got)
		}
		if r := e.Pod("pod", "exists", "pp-web"); r.Code != 1 {
			t.Errorf("pod exists of a removed pod: exit %d", r.Code)
		}
	})
}

// Bad input is one clear error and leaves nothing behind.
func TestPodBadInputLeavesNothing(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		e.Pod("pod", "create", "--share", "net,bogus", "pp-a").Fails(t, 125, `"bogus" is not a namespace`)
		e.Pod("pod", "create", "--exit-policy", "sometimes", "pp-a").Fails(t, 125, "invalid --exit-policy")
		e.Pod("pod", "create", "--infra=false", "-p", "21200:80", "pp-a").Fails(t, 125, "without an infra container")
		e.Pod("pod", "create", "--memory", "1k", "pp-a").Fails(t, 125, "the minimum memory limit allowed is 6MB")
		e.Pod("pod", "create", "-p", "99999:80", "pp-a").Fails(t, 125, "99999")
		if r := e.Pod("pod", "create", "--infra-image", "localhost:1/none:latest", "pp-a"); r.Code != 125 {
			t.Fatalf("pod create with an image that cannot be pulled: exit %d", r.Code)
		}
		e.Pod("pod", "create", "--name", "bad/name").Fails(t, 125, "bad/name")
		if got := out(e.MustPod("pod", "ps", "-q")); got != "" {
			t.Fatalf("pods after refused creates: %q", got)
		}
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Fatalf("containers after refused creates: %q", got)
		}

		e.MustPod("pod", "create", "--name", "pp-dup")
		e.Pod("pod", "create", "--name", "pp-dup").Fails(t, 125, `the pod name "pp-dup" is already in use`)
		e.Pod("run", "--rm", "--pod", "pp-nope", img, "true").Fails(t, 125, "no pod with name or ID pp-nope found")
		e.Pod("run", "--rm", "--pod", "pp-dup", "-p", "21201:80", img, "true").Fails(t, 125, "published ports must be set when the pod is created")
		e.Pod("run", "--rm", "--pod", "pp-dup", "--hostname", "x", img, "true").Fails(t, 125, "cannot set --hostname")
		// new:NAME makes a pod for the container, and not when the container is refused.
		e.Pod("run", "--rm", "--pod", "new:pp-new", "--network", "host", img, "true").Fails(t, 125, "networks must be set when the pod is created")
		if r := e.Pod("pod", "exists", "pp-new"); r.Code != 1 {
			t.Fatalf("pod exists pp-new after a refused run: exit %d", r.Code)
		}
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Name}}")); got != "pp-dup" {
			t.Fatalf("pods after refused joins: %q", got)
		}
		if n := len(e.MustPod("ps", "-a", "-q").Lines()); n != 1 {
			t.Fatalf("%d containers after refused joins, want the infra container only", n)
		}
		e.MustPod("create", "--pod", "new:pp-new", "--name", "pp-member", img, "true")
		if got := out(e.MustPod("ps", "-a", "--pod", "--filter", "name=pp-member", "--format", "{{.PodName}}")); got != "pp-new" {
			t.Errorf("ps --pod of a container made with new:pp-new: %q", got)
		}

		// pod rm: 1 for a pod that does not exist, 0 with --ignore.
		e.Pod("pod", "rm", "pp-nope").Fails(t, 1, "no pod with name or ID pp-nope found")
		e.MustPod("pod", "rm", "--ignore", "pp-nope")
		e.Pod("pod", "start", "pp-nope").Fails(t, 125, "no pod with name or ID pp-nope found")
		e.MustPod("pod", "rm", "pp-dup", "pp-new")
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Fatalf("containers after pod rm: %q", got)
		}
	})
}

// A pod create killed after recording the pod, before the infra
// container's storage exists, leaves no half pod: the next command sees
// none, and the name is free.
func TestPodCreateKilled(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		podCleanup(t, e)
		podKilledAt(t, e, "pod-create-row", "pod", "create", "--name", "pp-half")
		if got := out(e.MustPod("pod", "ps", "-q")); got != "" {
			t.Fatalf("pod ps after a killed create: %q", got)
		}
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Fatalf("ps -a after a killed create: %q", got)
		}
		e.MustPod("pod", "create", "--name", "pp-half")
		e.MustPod("pod", "start", "pp-half")
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Name}} {{.Status}}")); got != "pp-half Running" {
			t.Fatalf("pod ps after create and start: %q", got)
		}
		// system prune removes a pod with nothing running, with its infra container.
		id := out(e.MustPod("pod", "ps", "-q", "--no-trunc"))
		e.MustPod("pod", "stop", "pp-half")
		if r := e.MustPod("system", "prune", "-f"); !strings.Contains(r.Stdout, "Deleted Pods\n"+id+"\n") {
			t.Errorf("system prune:\n%s", r.Stdout)
		}
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Errorf("containers after system prune: %q", got)
		}
	})
}

func TestPodVerbs(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		idFile := e.Path("pp-v.id")
		e.MustPod("pod", "create", "--name", "pp-v", "--share", "+pid", "--label", "tier=web", "--pod-id-file", idFile)
		b, err := os.ReadFile(idFile)
		if err != nil || len(strings.TrimSpace(string(b))) != 64 {
			t.Fatalf("--pod-id-file: %q %v", b, err)
		}
		podID := strings.TrimSpace(string(b))
		e.MustPod("run", "-d", "--pod", "pp-v", "--name", "pp-a", img, "sh", "-c", "echo from-a; exec sleep 1000")
		e.MustPod("run", "-d", "--pod", "pp-v", "--name", "pp-b", img, "sh", "-c", "echo from-b; exec sleep 1001")
		// inspect's .Pod, as podman's scripts read it.
		if got := out(e.MustPod("inspect", "-f", "{{.Pod}}", "pp-a")); got != podID {
			t.Errorf("inspect -f {{.Pod}} pp-a: %q, want %s", got, podID)
		}

		// --share +pid: one PID namespace, the infra's catatonit among them.
		if got := e.MustPod("exec", "pp-a", "ps").Stdout; !strings.Contains(got, "catatonit -P") || !strings.Contains(got, "sleep 1001") {
			t.Errorf("ps in a pod sharing its PID namespace:\n%s", got)
		}
		if got := e.MustPod("pod", "top", "pp-v").Stdout; !strings.Contains(got, "sleep 1000") || !strings.Contains(got, "sleep 1001") || !strings.Contains(got, "COMMAND") {
			t.Errorf("pod top:\n%s", got)
		}
		waitFor(t, func() bool {
			got := e.MustPod("pod", "logs", "--names", "pp-v").Stdout
			return strings.Contains(got, "pp-a from-a\n") && strings.Contains(got, "pp-b from-b\n")
		})
		if got := out(e.MustPod("pod", "logs", "-c", "pp-b", "pp-v")); got != podShort(t, e, "pp-b")+" from-b" {
			t.Errorf("pod logs -c pp-b: %q", got)
		}

		// ls filters and columns.
		if got := out(e.MustPod("pod", "ls", "-q", "--no-trunc", "--filter", "label=tier=web", "--filter", "ctr-names=pp-b")); got != podID {
			t.Errorf("pod ls --filter label= ctr-names=: %q", got)
		}
		if got := out(e.MustPod("pod", "ls", "-q", "--filter", "status=exited")); got != "" {
			t.Errorf("pod ls --filter status=exited: %q", got)
		}
		e.Pod("pod", "ls", "--filter", "color=red").Fails(t, 125, `invalid filter "color=red"`)
		if got := e.MustPod("pod", "ls", "--ctr-status", "--ctr-names").Stdout; !strings.Contains(got, "NAMES") || !strings.Contains(got, "running,running,running") {
			t.Errorf("pod ls --ctr-status --ctr-names:\n%s", got)
		}

		// pause only where the containers have a freezer of their own.
		if r := e.Pod("pod", "pause", "pp-v"); r.Code == 0 {
			if got := out(e.MustPod("pod", "ps", "--format", "{{.Status}}")); got != "Paused" {
				t.Errorf("pod status after pause: %q", got)
			}
			e.MustPod("pod", "unpause", "pp-v")
		} else if !strings.Contains(r.Stderr, "not supported for rootless containers on cgroup v1") {
			t.Fatalf("pod pause: %s", r.Stderr)
		}

		// stats: one row per running container, where cgroups can be read.
		if r := e.Pod("pod", "stats", "--no-stream", "--format", "{{.Pod}} {{.Name}}", "pp-v"); r.Code == 0 {
			if got := r.Lines(); len(got) != 3 || !strings.Contains(r.Stdout, podID[:12]+" pp-a") {
				t.Errorf("pod stats: %q", r.Stdout)
			}
		} else if !e.Rootless() {
			t.Fatalf("pod stats: %s", r.Stderr)
		}
		e.MustPod("pod", "kill", "pp-v")
		waitFor(t, func() bool {
			return out(e.MustPod("pod", "ps", "--format", "{{.Status}}")) == "Exited"
		})
		e.Pod("pod", "kill", "pp-v").Fails(t, 125, "no running containers")

		// --exit-policy stop: the pod stops with its last container.
		e.MustPod("pod", "create", "--name", "pp-e", "--exit-policy", "stop")
		e.MustPod("run", "-d", "--pod", "pp-e", img, "sleep", "1")
		waitFor(t, func() bool {
			return out(e.MustPod("pod", "ps", "--filter", "name=pp-e", "--format", "{{.Status}}")) == "Exited"
		})

		// --replace makes the pod anew.
		e.MustPod("pod", "create", "--name", "pp-r")
		e.MustPod("pod", "create", "--name", "pp-r", "--replace")
		if n := len(e.MustPod("pod", "ls", "-q", "--filter", "name=pp-r").Lines()); n != 1 {
			t.Errorf("%d pods named pp-r after --replace", n)
		}
		e.MustPod("pod", "start", "pp-r")

		// prune removes the stopped pods, and only those.
		pruned := e.MustPod("pod", "prune", "-f").Lines()
		if len(pruned) != 2 {
			t.Errorf("pod prune removed %v, want pp-v and pp-e", pruned)
		}
		if got := out(e.MustPod("pod", "ls", "--format", "{{.Name}}")); got != "pp-r" {
			t.Errorf("pods after prune: %q", got)
		}
	})
}

// podShort is a container's short ID.
func podShort(t *testing.T, e *Env, name string) string {
	t.Helper()
	return out(e.MustPod("ps", "-a", "--filter", "name=^"+name+"$", "--format", "{{.ID}}"))
}
