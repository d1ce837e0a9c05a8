package api

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// TestCreateOptions checks that a create request as the docker CLI sends
// it becomes the create options the equivalent `pod run` flags give.
func TestCreateOptions(t *testing.T) {
	body := `{
	  "Image": "busybox", "Cmd": ["sh", "-c", "true"], "Entrypoint": ["/bin/env"],
	  "Env": ["A=1", "UNSET"], "Labels": {"b": "2", "a": "1"}, "Tty": true, "OpenStdin": true,
	  "Healthcheck": {"Test": ["CMD-SHELL", "wget -q localhost"], "Interval": 1000000000, "Retries": 3},
	  "HostConfig": {
	    "Binds": ["data:/data:ro"], "AutoRemove": true, "NetworkMode": "appnet",
	    "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}], "53/udp": [{"HostPort": ""}]},
	    "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2},
	    "Memory": 67108864, "NanoCpus": 1500000000, "Tmpfs": {"/run": "size=1m"},
	    "Mounts": [{"Type": "bind", "Source": "/src", "Target": "/dst", "ReadOnly": true}],
	    "Ulimits": [{"Name": "nofile", "Soft": 100, "Hard": 200}], "ExtraHosts": ["h:10.0.0.1"]
	  },
	  "NetworkingConfig": {"EndpointsConfig": {"appnet": {"Aliases": ["web"]}}}
	}`
	var cr container.CreateRequest
	if err := json.Unmarshal([]byte(body), &cr); err != nil {
		t.Fatal(err)
	}
	o, err := createOptions("/named", &cr)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", o.Name, "named"},
		{"pull", o.Pull, "never"},
		{"entrypoint", *o.Entrypoint, `["/bin/env"]`},
		{"env", o.Env, []string{"A=1", "UNSET="}},
		{"labels", o.Labels, []string{"a=1", "b=2"}},
		{"tty", o.Tty && o.Interactive, true},
		{"health", o.Health.Cmd + " " + o.Health.Interval, "wget -q localhost 1s"},
		{"volumes", o.Volumes, []string{"data:/data:ro"}},
		{"rm", o.AutoRemove, true},
		{"networks", o.Networks, []string{"appnet"}},
		{"aliases", o.Aliases, []string{"web"}},
		{"publish", o.Publish, []string{"53/udp", "127.0.0.1:8080:80/tcp"}},
		{"restart", o.Restart, "on-failure:2"},
		{"memory", o.Limits.Memory, "67108864"},
		{"cpus", o.Limits.CPUs, 1.5},
		{"tmpfs", o.Tmpfs, []string{"/run:size=1m"}},
		{"mounts", o.Mounts, []string{"type=bind,source=/src,target=/dst,readonly"}},
		{"ulimits", o.Ulimits, []string{"nofile=100:200"}},
		{"hosts", o.AddHosts, []string{"h:10.0.0.1"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestCreateOptionsRefused(t *testing.T) {
	for name, body := range map[string]string{
		"no image": `{}`,
		"devices":  `{"Image": "x", "HostConfig": {"Devices": [{"PathOnHost": "/dev/null"}]}}`,
		"sysctls":  `{"Image": "x", "HostConfig": {"Sysctls": {"net.ipv4.ip_forward": "1"}}}`,
		"pid host": `{"Image": "x", "HostConfig": {"PidMode": "host"}}`,
		"health":   `{"Image": "x", "Healthcheck": {"Test": ["BOGUS"]}}`,
	} {
		var cr container.CreateRequest
		if err := json.Unmarshal([]byte(body), &cr); err != nil {
			t.Fatal(err)
		}
		_, err := createOptions("", &cr)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if code := errdefs.HTTPStatus(err); code != 400 && code != 501 {
			t.Errorf("%s: status %d for %v", name, code, err)
		}
	}
}
