package e2e

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// inspectOne runs inspect on one name and decodes the single document.
func inspectOne(t *testing.T, e *Env, args ...string) map[string]any {
	t.Helper()
	r := e.MustPod(append([]string{"inspect"}, args...)...)
	var docs []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &docs); err != nil || len(docs) != 1 {
		t.Fatalf("inspect %v: %v\n%s", args, err, r.Stdout)
	}
	return docs[0]
}

// field reads a dotted path out of a decoded JSON document.
func field(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestInspect(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		imgID := strings.TrimSpace(e.MustPod("pull", "-q", img).Stdout)
		top := runID(t, e, "run", "-d", "--name", "top", "-e", "FOO=bar", "-l", "app=web", "-w", "/tmp",
			"--restart", "on-failure:2", "--stop-timeout", "7", img, "sleep", "1000")

		// A running container.
		doc := inspectOne(t, e, "top")
		for path, want := range map[string]any{
			"Id": top, "Name": "top", "Image": imgID, "ImageName": img, "Path": "sleep",
			"State.Status": "running", "State.Running": true, "State.Paused": false,
			"State.OOMKilled": false, "State.Dead": false, "State.ExitCode": float64(0),
			"State.FinishedAt": "0001-01-01T00:00:00Z", "Platform": "linux", "RestartCount": float64(0),
			"HostConfig.LogConfig.Type": "k8s-file", "HostConfig.RestartPolicy.Name": "on-failure",
			"HostConfig.RestartPolicy.MaximumRetryCount": float64(2),
			"Config.WorkingDir":                          "/tmp", "Config.StopTimeout": float64(7), "Config.Image": img,
		} {
			if got := field(doc, path); got != want {
				t.Errorf("%s = %#v, want %#v", path, got, want)
			}
		}
		if pid, _ := field(doc, "State.Pid").(float64); pid <= 0 {
			t.Errorf("State.Pid = %v, want the container's PID", field(doc, "State.Pid"))
		} else if _, err := os.Stat("/proc/" + strconv.Itoa(int(pid))); err != nil {
			t.Errorf("State.Pid %v is not a live process: %v", pid, err)
		}
		started, err := time.Parse(time.RFC3339Nano, field(doc, "State.StartedAt").(string))
		if err != nil || time.Since(started) > time.Hour || time.Since(started) < 0 {
			t.Errorf("State.StartedAt = %v (%v)", field(doc, "State.StartedAt"), err)
		}
		if args, _ := field(doc, "Args").([]any); len(args) != 1 || args[0] != "1000" {
			t.Errorf("Args = %v", field(doc, "Args"))
		}
		if env, _ := field(doc, "Config.Env").([]any); !anyString(env, "FOO=bar") {
			t.Errorf("Config.Env = %v", env)
		}
		if got := field(doc, "Config.Labels.app"); got != "web" {
			t.Errorf("Config.Labels.app = %v", got)
		}
		if lp, _ := field(doc, "LogPath").(string); lp == "" {
			t.Errorf("LogPath empty")
		} else if _, err := os.Stat(lp); err != nil {
			t.Errorf("LogPath: %v", err)
		}
		if field(doc, "GraphDriver.Name") != "overlay" || field(doc, "GraphDriver.Data.MergedDir") == nil || field(doc, "GraphDriver.Data.UpperDir") == nil {
			t.Errorf("GraphDriver = %v", field(doc, "GraphDriver"))
		}
		if field(doc, "SizeRw") != nil {
			t.Errorf("SizeRw without --size")
		}

		// --format, with Docker's and podman's spellings.
		r := e.MustPod("inspect", "--format", "{{.Id}} {{.ID}} {{.State.Status}} {{index .Config.Labels \"app\"}}", "top")
		if got, want := strings.TrimSpace(r.Stdout), top+" "+top+" running web"; got != want {
			t.Errorf("inspect --format: %q, want %q", got, want)
		}
		r = e.MustPod("container", "inspect", "-f", "{{json .HostConfig.LogConfig}}", top[:12])
		if strings.TrimSpace(r.Stdout) != `{"Type":"k8s-file","Config":{}}` {
			t.Errorf("json of LogConfig: %q", r.Stdout)
		}

		// -s adds sizes.
		doc = inspectOne(t, e, "-s", "top")
		if _, ok := field(doc, "SizeRw").(float64); !ok {
			t.Errorf("SizeRw with --size = %v", field(doc, "SizeRw"))
		}
		if rootfs, _ := field(doc, "SizeRootFs").(float64); rootfs <= 0 {
			t.Errorf("SizeRootFs = %v", field(doc, "SizeRootFs"))
		}

		// After a stop: exited, no PID, FinishedAt set.
		e.MustPod("stop", "-t", "1", "top")
		doc = inspectOne(t, e, "top")
		if field(doc, "State.Status") != "exited" || field(doc, "State.Running") != false || field(doc, "State.Pid") != float64(0) ||
			field(doc, "State.FinishedAt") == "0001-01-01T00:00:00Z" {
			t.Errorf("stopped State = %v", field(doc, "State"))
		}

		// Exit codes, and a container never started.
		if r := e.Pod("run", "--name", "three", img, "sh", "-c", "exit 3"); r.Code != 3 {
			t.Fatalf("run exit 3: %d %s", r.Code, r.Stderr)
		}
		settled(t, e, "three")
		r = e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "three")
		if strings.TrimSpace(r.Stdout) != "exited 3" {
			t.Errorf("exit 3: %q", r.Stdout)
		}
		runID(t, e, "create", "--name", "fresh", img, "true")
		r = e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.StartedAt}}", "fresh")
		if strings.TrimSpace(r.Stdout) != "created 0001-01-01T00:00:00Z" {
			t.Errorf("created: %q", r.Stdout)
		}

		// Several names, one per document; images through the top-level inspect.
		r = e.MustPod("inspect", "three", "fresh")
		var docs []map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &docs); err != nil || len(docs) != 2 || docs[1]["Name"] != "fresh" {
			t.Errorf("inspect two: %v %s", err, r.Stdout)
		}
		doc = inspectOne(t, e, img)
		if doc["Id"] != imgID || doc["RepoTags"] == nil {
			t.Errorf("inspect of an image: %v", doc)
		}
		e.Pod("inspect", "--type", "container", img).Fails(t, 125, "no such container "+img)
		e.Pod("inspect", "--type", "image", "three").Fails(t, 125, "no such image three")

		// Networks come last.
		e.MustPod("network", "create", "backend")
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.Name}} {{.Driver}}", "backend").Stdout); got != "backend bridge" {
			t.Errorf("inspect of a network: %q", got)
		}
		e.Pod("inspect", "--type", "network", "three").Fails(t, 125, "no such network three")

		// Missing names: what was found is printed, then the error.
		r = e.Pod("inspect", "nosuch")
		r.Fails(t, 125, `inspecting object: no such object: "nosuch"`)
		if strings.TrimSpace(r.Stdout) != "[]" {
			t.Errorf("stdout for a missing name: %q", r.Stdout)
		}
		r = e.Pod("inspect", "-f", "{{.Name}}", "three", "nosuch")
		r.Fails(t, 125, `no such object: "nosuch"`)
		if strings.TrimSpace(r.Stdout) != "three" {
			t.Errorf("stdout with one missing name: %q", r.Stdout)
		}
		e.Pod("container", "inspect", "nosuch").Fails(t, 125, "no such container nosuch")
	})
}

// TestInspectAnyErrors: the top-level inspect looks through containers,
// images, volumes and networks, moving on only when a kind has no such
// name; an object that exists but cannot be read is reported as what it
// is, not swallowed into "no such object".
func TestInspectAnyErrors(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		e.MustPod("volume", "create", "--label", "k=v", "data")
		e.MustPod("network", "create", "--subnet", "10.238.77.0/24", "broken")
		e.MustPod("volume", "create", "corrupt")

		// Volumes are found too, with the document `volume inspect` prints.
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.Name}} {{.Labels.k}}", "data").Stdout); got != "data v" {
			t.Errorf("inspect of a volume: %q", got)
		}
		if got := strings.TrimSpace(e.MustPod("inspect", "--type", "volume", "-f", "{{.Name}}", "data").Stdout); got != "data" {
			t.Errorf("inspect --type volume: %q", got)
		}
		e.Pod("inspect", "--type", "volume", "broken").Fails(t, 125, "no such volume broken")
		e.Pod("inspect", "--type", "volume", "-s", "data").Fails(t, 125, `size is not supported for type "volume"`)
		e.Pod("inspect", "--type", "pod", "data").Fails(t, 125, `invalid type "pod"`)

		// Objects whose records are garbage: their read errors come out.
		// Their records are rows of the state DB.
		execStateDB(t, e, `UPDATE volumes SET labels = 'garbage' WHERE name = 'corrupt'`,
			`UPDATE networks SET config = 'garbage' WHERE name = 'broken'`)
		for _, name := range []string{"broken", "corrupt"} {
			r := e.Pod("inspect", name)
			r.Fails(t, 125, "inspecting object: ")
			if strings.Contains(r.Stderr, "no such object") {
				t.Errorf("inspect %s: a corrupt object reported as missing: %s", name, r.Stderr)
			}
		}
		e.Pod("inspect", "broken").Fails(t, 125, "network broken: decode its definition")
		e.Pod("inspect", "--type", "network", "broken").Fails(t, 125, "network broken: decode its definition")
		e.Pod("inspect", "corrupt").Fails(t, 125, "read volume corrupt")

		// Still: a name nothing has.
		e.Pod("inspect", "nosuch").Fails(t, 125, `inspecting object: no such object: "nosuch"`)
	})
}

func anyString(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestInspectHostConfigFields: the HostConfig fields docker and podman
// scripts read carry what create was told, under Docker's JSON names,
// and --format reaches them by those names with numbers as integers.
func TestInspectHostConfigFields(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		// Rootless limits need a delegated cgroup v2 controller, which a
		// host may lack (pod then warns and drops them).
		limits, mem, cpus := []string{"--memory", "64m", "--cpus", "1.5"}, "67108864", "1500000000"
		if e.Rootless() {
			limits, mem, cpus = nil, "0", "0"
		}
		e.MustPod(append(append([]string{"create", "--name", "hc", "-p", "21701:80", "--dns", "10.137.0.53", "--dns-search", "example.com",
			"--dns-option", "ndots:2", "--add-host", "db:10.137.1.1", "--shm-size", "128m", "--pid", "host",
			"--device", "/dev/null:/dev/xnull", "--restart", "always"}, limits...),
			"--log-driver", "json-file", "--health-cmd", "true", img, "true")...)
		doc := inspectOne(t, e, "hc")
		for path, want := range map[string]any{
			"HostConfig.ShmSize": float64(128 << 20), "HostConfig.PidMode": "host", "HostConfig.IpcMode": "shareable",
			"HostConfig.UTSMode": "private", "HostConfig.RestartPolicy.Name": "always", "HostConfig.LogConfig.Type": "json-file",
			"OCIRuntime": "runc", "Config.Healthcheck.Test": nil,
		} {
			got := field(doc, path)
			if path == "Config.Healthcheck.Test" {
				if test, _ := got.([]any); len(test) != 2 || test[1] != "true" {
					t.Errorf("%s = %#v", path, got)
				}
				continue
			}
			if path == "OCIRuntime" && got == "" {
				t.Errorf("OCIRuntime empty")
				continue
			} else if path == "OCIRuntime" {
				continue // runc or crun, whichever the host has
			}
			if got != want {
				t.Errorf("%s = %#v, want %#v", path, got, want)
			}
		}
		// The digest of the image's manifest, as podman's.
		if d, _ := field(doc, "ImageDigest").(string); !strings.HasPrefix(d, "sha256:") || d != out(e.MustPod("image", "inspect", "-f", "{{.Digest}}", img)) {
			t.Errorf("ImageDigest = %v, want the image's digest", field(doc, "ImageDigest"))
		}
		for _, c := range []struct{ format, want string }{
			{"{{.HostConfig.NanoCpus}} {{.HostConfig.ShmSize}} {{.HostConfig.Memory}}", cpus + " 134217728 " + mem},
			{"{{json .HostConfig.Dns}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}} {{json .HostConfig.ExtraHosts}}",
				`["10.137.0.53"] ["example.com"] ["ndots:2"] ["db:10.137.1.1"]`},
			{"{{json .HostConfig.PortBindings}}", `{"80/tcp":[{"HostIp":"","HostPort":"21701"}]}`},
			{"{{json .HostConfig.Devices}}", `[{"PathOnHost":"/dev/null","PathInContainer":"/dev/xnull","CgroupPermissions":"rwm"}]`},
			{"{{.State.Health.Status}} {{.State.Healthcheck.Status}}", "starting starting"},
			{"{{range $p, $b := .NetworkSettings.Ports}}{{$p}}{{end}}", "80/tcp"},
		} {
			if got := strings.TrimSpace(e.MustPod("inspect", "-f", c.format, "hc").Stdout); got != c.want {
				t.Errorf("inspect -f %s: %q, want %q", c.format, got, c.want)
			}
		}
		e.Pod("inspect", "-f", "{{.HostConfig.NoSuchField}}", "hc").Fails(t, 125, "NoSuchField")
		// An image's size is an integer in a template too.
		if got := strings.TrimSpace(e.MustPod("image", "inspect", "-f", "{{.Size}} {{.VirtualSize}}", img).Stdout); strings.ContainsAny(got, "e.") || got == "" {
			t.Errorf("image inspect -f {{.Size}}: %q", got)
		}
	})
}
