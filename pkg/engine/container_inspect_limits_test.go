package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/specgen"
)

func TestInspectHostConfig(t *testing.T) {
	pids := int64(100)
	res, err := specgen.BuildResources(nil, LimitOptions{Memory: "64m", CPUs: 0.5, PidsLimit: &pids, OOMKillDisable: true})
	if err != nil {
		t.Fatal(err)
	}
	h := inspectHostConfig(&ContainerConfig{
		Resources: res, DNS: []string{"10.137.0.53"}, DNSSearch: []string{"example.com"}, AddHosts: []string{"db:10.137.0.9"},
		ShmSize: 128 << 20, PidMode: "host", Devices: []specgen.DeviceConfig{{Host: "/dev/null", Container: "/dev/xnull"}},
		Ports: []network.PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp", Range: 2}},
	})
	if h.NanoCPUs != 5e8 || h.Memory != 64<<20 || *h.PidsLimit != 100 || !*h.OomKillDisable {
		t.Errorf("limits %+v", h.Resources)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"Dns":["10.137.0.53"]`, `"DnsSearch":["example.com"]`, `"ExtraHosts":["db:10.137.0.9"]`,
		`"ShmSize":134217728`, `"PidMode":"host"`, `"IpcMode":"shareable"`, `"UTSMode":"private"`,
		`"NanoCpus":500000000`, `"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/xnull","CgroupPermissions":"rwm"}]`,
		`"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"81/tcp":[{"HostIp":"","HostPort":"8081"}]}`,
		`"Cgroups":"enabled"`, `"RestartPolicy":{"Name":"no","MaximumRetryCount":0}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("HostConfig lacks %s:\n%s", want, b)
		}
	}
}
