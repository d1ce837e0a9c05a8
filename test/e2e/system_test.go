package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	e := NewEnv(t, false)
	r := e.MustPod("version")
	if !strings.Contains(r.Stdout, "Version:") || !strings.Contains(r.Stdout, "OS/Arch:") {
		t.Fatalf("version output lacks fields: %q", r.Stdout)
	}
	r = e.MustPod("version", "--format", "{{.Client.OsArch}}")
	if got := strings.TrimSpace(r.Stdout); got != "linux/"+goarch() {
		t.Fatalf("version --format: %q", got)
	}
}

func TestInfo(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		r := e.MustPod("info", "--format", "json")
		var info struct {
			Host struct {
				Security struct {
					Rootless bool `json:"rootless"`
				} `json:"security"`
				CgroupVersion string                `json:"cgroupVersion"`
				OCIRuntime    struct{ Name string } `json:"ociRuntime"`
			} `json:"host"`
			Store struct {
				GraphRoot       string
				RunRoot         string
				GraphDriverName string
			}
		}
		if err := json.Unmarshal([]byte(r.Stdout), &info); err != nil {
			t.Fatalf("info json: %v\n%s", err, r.Stdout)
		}
		if info.Host.Security.Rootless != e.Rootless() {
			t.Errorf("rootless = %v, want %v", info.Host.Security.Rootless, e.Rootless())
		}
		if info.Host.CgroupVersion != "v1" && info.Host.CgroupVersion != "v2" {
			t.Errorf("cgroupVersion = %q", info.Host.CgroupVersion)
		}
		// podman's template names.
		want := "true overlay"
		if !e.Rootless() {
			want = "false overlay"
		}
		if got := strings.TrimSpace(e.MustPod("info", "-f", "{{.Host.Security.Rootless}} {{.Store.GraphDriverName}}").Stdout); got != want {
			t.Errorf("info -f: %q, want %q", got, want)
		}
		fields := "{{.Host.LogDriver}}|{{.Host.CgroupManager}}|{{.Host.CgroupsVersion}}|{{.Host.OCIRuntime.Name}}|{{.Version.Version}}|{{.Store.ImageStore.Number}}|{{.Host.MemTotal}}"
		got := strings.Split(strings.TrimSpace(e.MustPod("info", "-f", fields).Stdout), "|")
		// systemd manages cgroups by default where it is PID 1 (and, for a
		// user, where its bus is reachable), else pod's own cgroupfs.
		manager := len(got) > 1 && got[1] == "cgroupfs"
		if _, err := os.Stat("/run/systemd/system"); err == nil && len(got) > 1 {
			manager = manager || got[1] == "systemd"
		}
		if len(got) != 7 || got[0] != "k8s-file" || !manager || got[2] != info.Host.CgroupVersion || got[3] != info.Host.OCIRuntime.Name ||
			got[5] != "0" || strings.ContainsAny(got[6], "e.") || got[6] == "0" {
			t.Errorf("info -f %s: %q", fields, got)
		}
		if info.Store.GraphRoot != e.Root || info.Store.RunRoot != e.RunRoot {
			t.Errorf("store roots = %q %q, want %q %q", info.Store.GraphRoot, info.Store.RunRoot, e.Root, e.RunRoot)
		}
		if info.Store.GraphDriverName != "overlay" {
			t.Errorf("driver = %q, want overlay", info.Store.GraphDriverName)
		}
		if info.Host.OCIRuntime.Name == "" {
			t.Errorf("no OCI runtime reported")
		}
	})
}

func TestBadGlobalInput(t *testing.T) {
	e := NewEnv(t, false)
	e.Pod("--log-level", "loud", "info").Fails(t, 125, "invalid --log-level")
	e.Pod("no-such-command").Fails(t, 125, "unknown command")
	e.Pod("info", "--bogus").Fails(t, 125, "unknown flag")
}

// TestGlobalVersionFlag: pod --version and -v print podman's one line.
func TestGlobalVersionFlag(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		want := out(e.MustPod("version", "--format", "{{.Version}}"))
		for _, f := range []string{"--version", "-v"} {
			if got := out(e.MustPod(f)); got != "pod version "+want {
				t.Errorf("pod %s: %q, want %q", f, got, "pod version "+want)
			}
		}
	})
}

// TestCompletion: `completion bash|zsh|fish` print cobra's scripts, and the
// completion they call lists the names of containers, images, networks and
// volumes of the storage the command line names.
func TestCompletion(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		for shell, mark := range map[string]string{"bash": "__start_pod", "zsh": "#compdef pod", "fish": "complete -c pod"} {
			if r := e.MustPod("completion", shell); !strings.Contains(r.Stdout, mark) {
				t.Errorf("completion %s lacks %q", shell, mark)
			}
		}
		img := pulled(t, e)
		e.MustPod("create", "--name", "fl-comp1", img, "true")
		e.MustPod("create", "--name", "fl-other", img, "true")
		e.MustPod("volume", "create", "fl-vol")
		complete := func(args ...string) []string {
			t.Helper()
			var names []string
			for _, l := range e.MustPod(append([]string{"__complete"}, args...)...).Lines() {
				if !strings.HasPrefix(l, ":") && !strings.HasPrefix(l, "Completion ended") {
					names = append(names, l)
				}
			}
			return names
		}
		if got := strings.Join(complete("rm", "fl-c"), ","); got != "fl-comp1" {
			t.Errorf("complete rm fl-c: %q", got)
		}
		if got := strings.Join(complete("container", "stop", "fl-comp1", ""), ","); got != "fl-comp1,fl-other" {
			t.Errorf("complete container stop fl-comp1 '': %q", got)
		}
		if got := strings.Join(complete("rmi", ""), ","); got != img {
			t.Errorf("complete rmi: %q, want %s", got, img)
		}
		if got := strings.Join(complete("volume", "rm", "fl-"), ","); got != "fl-vol" {
			t.Errorf("complete volume rm fl-: %q", got)
		}
		if got := complete("network", "inspect", ""); len(got) == 0 || !slicesContains(got, "podman") {
			t.Errorf("complete network inspect: %q, want the default network", got)
		}
		if got := complete("run", img, ""); len(got) != 0 {
			t.Errorf("complete run IMAGE '': %q, want nothing after the image", got)
		}
	})
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
