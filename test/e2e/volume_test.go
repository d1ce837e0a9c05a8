package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var volumeNameRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// volumeInspect is the part of `volume inspect` the tests read.
type volumeInspect struct {
	Name, Driver, Mountpoint, CreatedAt, Scope string
	Labels, Options                            map[string]string
	Anonymous                                  bool
	MountCount                                 int
}

func inspectVolume(t *testing.T, e *Env, name string) volumeInspect {
	t.Helper()
	var out []volumeInspect
	r := e.MustPod("volume", "inspect", name)
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out) != 1 {
		t.Fatalf("volume inspect %s: %v\n%s", name, err, r.Stdout)
	}
	return out[0]
}

// TestVolumeCreateInspect checks create (named, generated names, labels,
// options, --ignore, bad input) and inspect's podman-shaped JSON.
func TestVolumeCreateInspect(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if out := strings.TrimSpace(e.MustPod("volume", "create", "--label", "app=web", "-l", "tier", "data").Stdout); out != "data" {
			t.Fatalf("create printed %q, want the name", out)
		}
		v := inspectVolume(t, e, "data")
		if v.Name != "data" || v.Driver != "local" || v.Scope != "local" || v.Labels["app"] != "web" || v.Labels["tier"] != "" || len(v.Labels) != 2 {
			t.Errorf("inspect: %+v", v)
		}
		if v.Mountpoint != filepath.Join(e.Root, "volumes", "data", "_data") {
			t.Errorf("mountpoint %s, want under the graph root as podman lays it out", v.Mountpoint)
		}
		if st, err := os.Stat(v.Mountpoint); err != nil || !st.IsDir() {
			t.Errorf("mountpoint: %v", err)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT`).MatchString(v.CreatedAt) {
			t.Errorf("CreatedAt %q", v.CreatedAt)
		}
		// The JSON has podman's field names.
		raw := e.MustPod("volume", "inspect", "data").Stdout
		for _, k := range []string{`"Name"`, `"Driver"`, `"Mountpoint"`, `"CreatedAt"`, `"Labels"`, `"Scope"`, `"Options"`, `"MountCount"`} {
			if !strings.Contains(raw, k) {
				t.Errorf("inspect JSON lacks %s:\n%s", k, raw)
			}
		}

		gen := strings.TrimSpace(e.MustPod("volume", "create").Stdout)
		if !volumeNameRe.MatchString(gen) {
			t.Errorf("create without a name printed %q, want 64 hex characters", gen)
		}
		e.Pod("volume", "create", "data").Fails(t, 125, "volume with name data already exists")
		e.MustPod("volume", "create", "--ignore", "data")
		e.Pod("volume", "create", "-d", "nfs", "x").Fails(t, 125, "driver")
		e.Pod("volume", "create", "-o", "size=1", "x").Fails(t, 125, "invalid mount option size")
		e.Pod("volume", "create", "bad/name").Fails(t, 125, "invalid volume name")
		e.Pod("volume", "create", "-o", "type=ext4", "x").Fails(t, 125, "needs a device")
		if e.Pod("volume", "exists", "x").Code != 1 {
			t.Error("a failed create left a volume behind")
		}

		tmp := strings.TrimSpace(e.MustPod("volume", "create", "-o", "type=tmpfs", "-o", "o=size=2m", "tmp").Stdout)
		if v := inspectVolume(t, e, tmp); v.Options["type"] != "tmpfs" || v.Options["o"] != "size=2m" || v.MountCount != 0 {
			t.Errorf("tmpfs volume inspect: %+v", v)
		}
		r := e.MustPod("volume", "inspect", "--format", "{{.Name}} {{.Driver}} {{.Options.type}}", "tmp", "data")
		if got := r.Lines(); len(got) != 2 || got[0] != "tmp local tmpfs" || got[1] != "data local <no value>" {
			t.Errorf("inspect --format: %q", r.Stdout)
		}
		r = e.Pod("volume", "inspect", "data", "nosuch")
		r.Fails(t, 125, `no volume with name "nosuch" found: no such volume`)
		var partial []volumeInspect
		if err := json.Unmarshal([]byte(r.Stdout), &partial); err != nil || len(partial) != 1 {
			t.Errorf("inspect with one missing volume printed %q, want the found one", r.Stdout)
		}
		if n := strings.Count(e.MustPod("volume", "inspect", "--all").Stdout, `"Name"`); n != 3 {
			t.Errorf("inspect --all shows %d volumes, want 3", n)
		}
	})
}

// TestVolumeListFilters checks ls columns, -q, --format and --filter.
func TestVolumeListFilters(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if r := e.MustPod("volume", "ls"); strings.Join(strings.Fields(r.Stdout), " ") != "DRIVER VOLUME NAME" {
			t.Errorf("empty ls: %q", r.Stdout)
		}
		e.MustPod("volume", "create", "-l", "app=web", "web1")
		e.MustPod("volume", "create", "-l", "app=db", "db1")
		e.MustPod("volume", "create", "-o", "type=tmpfs", "scratch")
		lines := e.MustPod("volume", "ls").Lines()
		if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "DRIVER VOLUME NAME" || strings.Join(strings.Fields(lines[1]), " ") != "local web1" {
			t.Fatalf("ls:\n%s", strings.Join(lines, "\n"))
		}
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"-q"}, "web1 db1 scratch"},
			{[]string{"-q", "--filter", "name=1"}, "web1 db1"},
			{[]string{"-q", "--filter", "name=^web", "--filter", "name=^db"}, "web1 db1"},
			{[]string{"-q", "--filter", "label=app"}, "web1 db1"},
			{[]string{"-q", "--filter", "label=app=db"}, "db1"},
			{[]string{"-q", "--filter", "label!=app"}, "scratch"},
			{[]string{"-q", "--filter", "dangling=true"}, "web1 db1 scratch"},
			{[]string{"-q", "--filter", "driver=local", "--filter", "opt=type=tmpfs"}, "scratch"},
			{[]string{"-q", "--filter", "until=1h"}, ""},
			{[]string{"--format", "{{.Name}}:{{.Driver}}:{{.Labels.app}}", "--filter", "label=app=web"}, "web1:local:web"},
			{[]string{"--format", "{{.Mountpoint}}", "--filter", "name=db1"}, filepath.Join(e.Root, "volumes", "db1", "_data")},
		} {
			if got := strings.Join(e.MustPod(append([]string{"volume", "ls"}, tt.args...)...).Lines(), " "); got != tt.want {
				t.Errorf("volume ls %v = %q, want %q", tt.args, got, tt.want)
			}
		}
		var js []volumeInspect
		if err := json.Unmarshal([]byte(e.MustPod("volume", "ls", "--format", "json").Stdout), &js); err != nil || len(js) != 3 {
			t.Errorf("ls --format json: %v %v", js, err)
		}
		e.Pod("volume", "ls", "--filter", "color=red").Fails(t, 125, "invalid filter")
	})
}

// TestVolumeRemovePrune checks rm (exit codes, --all), prune (asks on
// stdin, --force, --filter) and exists; the data goes with the volume.
func TestVolumeRemovePrune(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.MustPod("volume", "create", "a")
		e.MustPod("volume", "create", "b")
		mp := inspectVolume(t, e, "a").Mountpoint
		// The user's own data in it, written as the user would.
		if e.Rootless() {
			e.MustPod("unshare", "sh", "-c", "echo x > "+filepath.Join(mp, "f"))
		} else if err := os.WriteFile(filepath.Join(mp, "f"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := e.MustPod("volume", "rm", "a"); strings.TrimSpace(r.Stdout) != "a" {
			t.Errorf("rm printed %q", r.Stdout)
		}
		if _, err := os.Stat(filepath.Dir(mp)); !os.IsNotExist(err) {
			t.Errorf("volume directory still there: %v", err)
		}
		if e.Pod("volume", "exists", "a").Code != 1 || e.Pod("volume", "exists", "b").Code != 0 {
			t.Error("exists: want 1 for a removed volume, 0 for an existing one")
		}
		e.Pod("volume", "rm", "a").Fails(t, 1, `no volume with name "a" found`)
		r := e.Pod("volume", "rm", "nosuch", "b")
		r.Fails(t, 1, "nosuch")
		if strings.TrimSpace(r.Stdout) != "b" {
			t.Errorf("rm of a missing and an existing volume removed %q", r.Stdout)
		}
		e.Pod("volume", "rm").Fails(t, 125, "choose either one or more volumes or all")

		e.MustPod("volume", "create", "-l", "keep", "k")
		e.MustPod("volume", "create", "p1")
		e.MustPod("volume", "create", "p2")
		r = e.PodStdin(strings.NewReader("n\n"), "volume", "prune")
		if r.Code != 0 || !strings.Contains(r.Stdout, "Are you sure you want to continue? [y/N]") {
			t.Fatalf("prune without -f: exit %d\n%s", r.Code, r.Stdout)
		}
		if n := len(e.MustPod("volume", "ls", "-q").Lines()); n != 3 {
			t.Fatalf("prune answered no removed volumes: %d left", n)
		}
		r = e.MustPod("volume", "prune", "-f", "--filter", "label!=keep")
		if got := strings.Join(r.Lines(), " "); got != "p1 p2" {
			t.Errorf("prune -f --filter label!=keep printed %q", got)
		}
		r = e.PodStdin(strings.NewReader("y\n"), "volume", "prune")
		if !strings.HasSuffix(strings.TrimSpace(r.Stdout), "k") {
			t.Errorf("prune answered yes: %q", r.Stdout)
		}
		e.MustPod("volume", "create", "x")
		e.MustPod("volume", "create", "y")
		e.MustPod("volume", "rm", "--all")
		if out := e.MustPod("volume", "ls", "-q").Stdout; out != "" {
			t.Errorf("after rm --all: %q", out)
		}
	})
}
