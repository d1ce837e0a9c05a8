package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAutoUpdateDryRun: containers run by a unit (PODMAN_SYSTEMD_UNIT in
// the environment of their run becomes their label) and labelled for
// auto-update are compared with the registry (registry) or with the local
// image of their name (local): current at first, pending once a newer
// image is pushed or tagged; --dry-run changes nothing. A labelled
// container outside any unit is an error naming it, and the others are
// still reported.
func TestAutoUpdateDryRun(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		repo := suite.registry.Addr + "/sd-au-" + e.Name + ":latest"
		e.MustPod("tag", img, repo, "localhost/sd-au-local:1")
		e.MustPod("push", "-q", repo)
		// The push wrote its own manifest: pulled back, the local image
		// knows the registry's digest, as an image pulled to run has it.
		e.MustPod("pull", "-q", repo)

		e.ExtraEnv = []string{"PODMAN_SYSTEMD_UNIT=sd-au-reg.service"}
		e.MustPod("run", "-d", "--name", "sd-au-reg", "--label", "io.containers.autoupdate=registry", repo, "sleep", "1000")
		e.ExtraEnv = []string{"PODMAN_SYSTEMD_UNIT=sd-au-local.service"}
		e.MustPod("run", "-d", "--name", "sd-au-local", "--label", "io.containers.autoupdate=local", "localhost/sd-au-local:1", "sleep", "1000")
		e.ExtraEnv = nil
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", "sd-au-reg", "sd-au-local", "sd-au-nounit") })
		if got := out(e.MustPod("inspect", "-f", `{{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}}`, "sd-au-reg")); got != "sd-au-reg.service" {
			t.Errorf("PODMAN_SYSTEMD_UNIT label %q", got)
		}

		format := "{{.Unit}} {{.ContainerName}} {{.Image}} {{.Policy}} {{.Updated}}"
		if got := out(e.MustPod("auto-update", "--dry-run", "--format", format)); got != "sd-au-local.service sd-au-local localhost/sd-au-local:1 local false\n"+
			"sd-au-reg.service sd-au-reg "+repo+" registry false" {
			t.Errorf("current images:\n%s", got)
		}

		// A newer image: built on the old one, pushed under the registry
		// name and tagged under the local one.
		e.Mkdir("ctx")
		e.WriteFile("ctx/Containerfile", []byte("FROM "+img+"\nLABEL sd.au=2\n"))
		e.MustPod("build", "-q", "--pull=never", "-t", repo, "-t", "localhost/sd-au-local:1", e.Path("ctx"))
		e.MustPod("push", "-q", repo)
		r := e.MustPod("auto-update", "--dry-run")
		lines := strings.Split(out(r), "\n")
		last2 := func(l string) string { f := strings.Fields(l); return strings.Join(f[max(0, len(f)-2):], " ") }
		if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "UNIT CONTAINER IMAGE POLICY UPDATED" ||
			last2(lines[1]) != "local pending" || last2(lines[2]) != "registry pending" {
			t.Errorf("newer images:\n%s", r.Stdout)
		}
		var reports []struct{ Unit, ContainerID, Policy, Updated string }
		if err := json.Unmarshal([]byte(e.MustPod("auto-update", "--dry-run", "--format", "json").Stdout), &reports); err != nil || len(reports) != 2 || reports[1].Updated != "pending" || len(reports[1].ContainerID) != 64 {
			t.Errorf("json: %+v (%v)", reports, err)
		}
		// --dry-run changed nothing: the containers run their old image.
		if got := out(e.MustPod("inspect", "-f", "{{.State.Running}} {{.ImageName}}", "sd-au-reg")); got != "true "+repo {
			t.Errorf("after --dry-run: %q", got)
		}

		e.MustPod("run", "-d", "--name", "sd-au-nounit", "--label", "io.containers.autoupdate=registry", img, "sleep", "1000")
		id := out(e.MustPod("inspect", "-f", "{{.Id}}", "sd-au-nounit"))
		r = e.Pod("auto-update", "--dry-run", "--format", format)
		r.Fails(t, 125, `auto-updating container "`+id[:12]+`": no PODMAN_SYSTEMD_UNIT label found`)
		if n := len(strings.Split(out(r), "\n")); n != 2 {
			t.Errorf("the other containers' reports with the error:\n%s", r.Stdout)
		}
	})
}

// TestAutoUpdateUnits: `make install`'s pod-auto-update.timer starts
// pod-auto-update.service daily (as podman's), both pass systemd-analyze
// verify, and what the service runs (auto-update, then image prune) works
// as the Env's user.
func TestAutoUpdateUnits(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		pod := suite.pod + " --root " + e.Root + " --runroot " + e.RunRoot
		units := map[string]unitFile{}
		for _, name := range []string{"pod-auto-update.service", "pod-auto-update.timer"} {
			b, err := os.ReadFile(filepath.Join("..", "..", "contrib", "systemd", name))
			if err != nil {
				t.Fatal(err)
			}
			units[name] = readUnit(t, e.WriteFile(name, []byte(strings.ReplaceAll(string(b), "@@POD@@", pod))))
		}
		// The timer is verified beside the service it starts.
		for _, name := range []string{"pod-auto-update.service", "pod-auto-update.timer"} {
			verifyUnit(t, filepath.Join(e.Dir, name))
		}
		timer := units["pod-auto-update.timer"]
		if got := timer.one(t, "OnCalendar") + " " + timer.one(t, "Persistent") + " " + timer.one(t, "WantedBy"); got != "daily true timers.target" {
			t.Errorf("timer: %s", got)
		}
		svc := units["pod-auto-update.service"]
		if got := svc.one(t, "Type"); got != "oneshot" {
			t.Errorf("service Type=%s", got)
		}
		runExec(t, e, svc.one(t, "ExecStart"))
		runExec(t, e, svc.one(t, "ExecStartPost"))
	})
}
