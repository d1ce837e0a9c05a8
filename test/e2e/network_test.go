package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNetworkDefine(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// The default network is listed before its first use.
		if got := e.MustPod("network", "ls", "-q").Lines(); len(got) != 1 || got[0] != "podman" {
			t.Fatalf("network ls -q on a fresh install: %q", got)
		}
		r := e.MustPod("network", "create", "--subnet", "10.97.0.0/24", "--gateway", "10.97.0.254",
			"--ip-range", "10.97.0.128/25", "--label", "env=test", "-o", "mtu=1400", "backend")
		if strings.TrimSpace(r.Stdout) != "backend" {
			t.Fatalf("create printed %q", r.Stdout)
		}
		// The definition is a CNI configuration list in the graph root.
		if _, err := os.Stat(filepath.Join(e.Root, "networks", "backend.conflist")); err != nil {
			t.Fatalf("conflist: %v", err)
		}
		var nets []struct {
			Name       string `json:"name"`
			ID         string `json:"id"`
			Driver     string `json:"driver"`
			DNSEnabled bool   `json:"dns_enabled"`
			Subnets    []struct {
				Subnet     string `json:"subnet"`
				Gateway    string `json:"gateway"`
				LeaseRange struct {
					StartIP string `json:"start_ip"`
				} `json:"lease_range"`
			} `json:"subnets"`
			Labels  map[string]string `json:"labels"`
			Options map[string]string `json:"options"`
		}
		r = e.MustPod("network", "inspect", "backend")
		if err := json.Unmarshal([]byte(r.Stdout), &nets); err != nil || len(nets) != 1 {
			t.Fatalf("inspect: %v\n%s", err, r.Stdout)
		}
		n := nets[0]
		if n.Driver != "bridge" || !n.DNSEnabled || n.Subnets[0].Subnet != "10.97.0.0/24" || n.Subnets[0].Gateway != "10.97.0.254" ||
			n.Subnets[0].LeaseRange.StartIP != "10.97.0.129" || n.Labels["env"] != "test" || n.Options["mtu"] != "1400" {
			t.Errorf("inspect: %+v", n)
		}
		if got := strings.TrimSpace(e.MustPod("network", "inspect", "--format", "{{.Name}}", n.ID[:12]).Stdout); got != "backend" {
			t.Errorf("inspect by ID prefix: %q", got)
		}
		// An unnamed network gets the next podmanN name and a free subnet.
		if got := strings.TrimSpace(e.MustPod("network", "create").Stdout); got != "podman1" {
			t.Errorf("unnamed network: %q", got)
		}
		r = e.MustPod("network", "ls")
		if lines := r.Lines(); len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "NETWORK ID NAME DRIVER" {
			t.Errorf("network ls:\n%s", r.Stdout)
		}
		if got := e.MustPod("network", "ls", "--filter", "label=env=test", "--format", "{{.Name}} {{.Subnets}}").Lines(); len(got) != 1 || got[0] != "backend 10.97.0.0/24" {
			t.Errorf("ls --filter label --format: %q", got)
		}
		if got := e.MustPod("network", "ls", "-q", "--filter", "name=^pod").Lines(); strings.Join(got, ",") != "podman,podman1" {
			t.Errorf("ls --filter name: %q", got)
		}
		e.MustPod("network", "exists", "backend")
		if r := e.Pod("network", "exists", "nope"); r.Code != 1 || r.Stderr != "" {
			t.Errorf("exists nope: code %d stderr %q", r.Code, r.Stderr)
		}

		// Bad input: one line, exit 125, nothing created.
		e.Pod("network", "create", "--subnet", "10.97.0.0/16", "overlap").Fails(t, 125, "overlaps subnet 10.97.0.0/24")
		e.Pod("network", "create", "--subnet", "10.96.0.0/33", "badcidr").Fails(t, 125, "invalid subnet")
		e.Pod("network", "create", "--subnet", "10.96.0.0/24", "--gateway", "10.95.0.1", "badgw").Fails(t, 125, "not a host address")
		e.Pod("network", "create", "backend").Fails(t, 125, "already exists")
		e.Pod("network", "create", "-d", "overlay", "x").Fails(t, 125, "unsupported network driver")
		e.Pod("network", "inspect", "nope").Fails(t, 125, "unable to find network")
		e.Pod("network", "rm", "podman").Fails(t, 125, "cannot be removed")
		for _, name := range []string{"overlap", "badcidr", "badgw", "x"} {
			if r := e.Pod("network", "exists", name); r.Code != 1 {
				t.Errorf("failed create left network %s", name)
			}
		}

		if got := strings.TrimSpace(e.MustPod("network", "rm", "backend").Stdout); got != "backend" {
			t.Errorf("rm printed %q", got)
		}
		if got := e.MustPod("network", "prune", "-f").Lines(); strings.Join(got, ",") != "podman1" {
			t.Errorf("prune removed %q", got)
		}
		if got := e.MustPod("network", "ls", "-q").Lines(); strings.Join(got, ",") != "podman" {
			t.Errorf("after rm and prune: %q", got)
		}
	})
}
