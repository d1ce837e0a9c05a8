package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The smaller flags of pod pod create/clone/start/stop/ps/logs/stats and
// kube play. Names start with "pl-".

// TestPodCreateFlags: --label-file, --pod-id-file with start and stop,
// --infra-conmon-pidfile, --shm-size, ps --ns, logs --color, clone with
// changed settings.
func TestPodCreateFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		labels := e.WriteFile("labels", []byte("# the team\nteam=blue\n\nstage=test\n"))
		idFile, pidFile := e.Path("pod.id"), e.Path("infra-conmon.pid")
		id := out(e.MustPod("pod", "create", "--name", "pl-f", "--label-file", labels, "--label", "stage=prod",
			"--pod-id-file", idFile, "--infra-conmon-pidfile", pidFile, "--shm-size", "32m"))
		var docs []struct{ Labels map[string]string }
		if err := json.Unmarshal([]byte(e.MustPod("pod", "inspect", "pl-f").Stdout), &docs); err != nil || len(docs) != 1 {
			t.Fatal(err)
		}
		doc := docs[0]
		if doc.Labels["team"] != "blue" || doc.Labels["stage"] != "prod" {
			t.Errorf("labels from --label-file and --label: %v", doc.Labels)
		}

		if got := out(e.MustPod("pod", "start", "--pod-id-file", idFile)); got != id {
			t.Fatalf("pod start --pod-id-file printed %q, want %s", got, id)
		}
		b, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatalf("--infra-conmon-pidfile: %v", err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err != nil || !strings.HasPrefix(string(comm), "pod-conmon") {
			t.Errorf("--infra-conmon-pidfile holds %q: process %q, %v", b, comm, err)
		}

		// Every member gets the pod's /dev/shm size.
		if got := out(e.MustPod("run", "--rm", "--pod", "pl-f", img, "sh", "-c", "df -k /dev/shm | tail -1 | awk '{print $2}'")); got != "32768" {
			t.Errorf("/dev/shm of a member: %q KiB, want 32768", got)
		}

		// ps --ns: the pod's shared namespaces.
		r := e.MustPod("pod", "ps", "--ns", "--filter", "name=pl-f")
		if !strings.Contains(r.Stdout, "NAMESPACES") || !strings.Contains(r.Stdout, "net,ipc,uts") {
			t.Errorf("pod ps --ns:\n%s", r.Stdout)
		}

		// logs --color: each line in its container's color, reset at its end.
		e.MustPod("run", "--pod", "pl-f", "--name", "pl-f-say", img, "echo", "colored")
		r = e.MustPod("pod", "logs", "--color", "pl-f")
		if !strings.Contains(r.Stdout, "\033[32m") || !strings.Contains(r.Stdout, "colored\033[0m\n") {
			t.Errorf("pod logs --color: %q", r.Stdout)
		}
		if r = e.MustPod("pod", "logs", "pl-f"); strings.Contains(r.Stdout, "\033[") {
			t.Errorf("pod logs without --color: %q", r.Stdout)
		}

		if !noRootlessCgroups(e) {
			// --no-reset: the reports are not drawn over each other (and
			// never are when the output is no terminal).
			r = e.MustPod("pod", "stats", "--no-stream", "--no-reset", "pl-f")
			if strings.Contains(r.Stdout, "\033[2J") || !strings.Contains(r.Stdout, "MEM USAGE") {
				t.Errorf("pod stats --no-reset: %q", r.Stdout)
			}
		}

		if got := out(e.MustPod("pod", "stop", "-t", "0", "--pod-id-file", idFile)); got != id {
			t.Fatalf("pod stop --pod-id-file printed %q, want %s", got, id)
		}
		e.MustPod("pod", "stop", "--ignore", "--pod-id-file", e.Path("no-such-file"))
		e.Pod("pod", "start", "--pod-id-file", e.Path("no-such-file")).Fails(t, 125, "--pod-id-file")

		// clone changes what it is told and keeps the rest.
		e.MustPod("pod", "clone", "--name", "pl-f2", "--label", "team=red", "--shm-size", "16m", "pl-f")
		if err := json.Unmarshal([]byte(e.MustPod("pod", "inspect", "pl-f2").Stdout), &docs); err != nil || len(docs) != 1 {
			t.Fatal(err)
		}
		doc = docs[0]
		if doc.Labels["team"] != "red" || doc.Labels["stage"] != "prod" {
			t.Errorf("clone's labels: %v", doc.Labels)
		}
		if got := out(e.MustPod("run", "--rm", "--pod", "pl-f2", img, "sh", "-c", "df -k /dev/shm | tail -1 | awk '{print $2}'")); got != "16384" {
			t.Errorf("/dev/shm of a member of the clone: %q KiB, want 16384", got)
		}
	})
}

// TestKubePlayFlags: --annotation, --log-driver and --seccomp-profile-root
// reach the containers kube play makes; --ip beyond the pods is refused.
func TestKubePlayFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		e.Mkdir("seccomp/prof")
		profiles := e.Path("seccomp")
		e.WriteFile("seccomp/prof/allow.json", []byte(`{"defaultAction": "SCMP_ACT_ALLOW"}`))
		yaml := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: pl-kp
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: %s
    command: [sleep, "300"]
    securityContext:
      seccompProfile: {type: Localhost, localhostProfile: prof/allow.json}
`, img)
		file := e.WriteFile("pod.yaml", []byte(yaml))
		e.Pod("kube", "play", "--ip", "10.133.7.2", "--ip", "10.133.7.3", file).Fails(t, 125, "more --ip or --mac-address values than the 1 pods")
		e.MustPod("kube", "play", "--annotation", "team=blue", "--log-driver", "json-file", "--seccomp-profile-root", profiles, file)
		r := e.MustPod("inspect", "--format", "{{.Config.Annotations.team}} {{.HostConfig.LogConfig.Type}} {{.State.Status}}", "pl-kp-main")
		if got := out(r); got != "blue json-file running" {
			t.Errorf("kube play's container: %q, want annotation team=blue, json-file, running", got)
		}
		r = e.MustPod("inspect", "--format", "{{json .HostConfig.SecurityOpt}}", "pl-kp-main")
		if !strings.Contains(r.Stdout, "seccomp="+profiles+"/prof/allow.json") {
			t.Errorf("the Localhost seccomp profile: %s", r.Stdout)
		}
		e.MustPod("kube", "down", file)
	})
}
