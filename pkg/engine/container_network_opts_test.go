package engine

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"

	stypes "github.com/containers/storage/types"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/state"
)

func TestBuildNetConfig(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the defaults tested here are root's")
	}
	ctx := context.Background()
	dir := t.TempDir()
	r := &Runtime{storeOpts: stypes.StoreOptions{GraphRoot: dir + "/graph", RunRoot: dir + "/run"}}
	db, err := state.Open(ctx, dir+"/graph/pod/state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r.db = db
	if _, err := r.networks().Create(ctx, network.CreateOptions{Name: "user", Subnets: []string{"10.94.1.0/24"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.networks().Create(ctx, network.CreateOptions{Name: "nodns", Subnets: []string{"10.94.2.0/24"}, DisableDNS: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    NetOptions
		exposed map[string]struct{}
		mode    string
		nets    []network.Attachment
		ports   []network.PortMapping
		err     error
	}{
		{name: "default is the podman network", mode: "bridge", nets: []network.Attachment{{Network: "podman", InterfaceName: "eth0"}}},
		{name: "bridge", opts: NetOptions{Networks: []string{"bridge"}}, mode: "bridge", nets: []network.Attachment{{Network: "podman", InterfaceName: "eth0"}}},
		{name: "none", opts: NetOptions{Networks: []string{"none"}}, mode: "none"},
		{name: "private", opts: NetOptions{Networks: []string{"private"}}, mode: ""},
		{name: "host drops ports", opts: NetOptions{Networks: []string{"host"}, Publish: []string{"80"}}, mode: "host"},
		{name: "ns", opts: NetOptions{Networks: []string{"ns:/proc/self/ns/net"}}, mode: "ns:/proc/self/ns/net"},
		{name: "two networks, aliases only where names resolve",
			opts: NetOptions{Networks: []string{"user", "nodns"}, Aliases: []string{"a"}, MAC: "02:00:00:00:00:01"}, mode: "bridge",
			nets: []network.Attachment{{Network: "user", InterfaceName: "eth0", Aliases: []string{"a"}, MAC: "02:00:00:00:00:01"}, {Network: "nodns", InterfaceName: "eth1"}}},
		{name: "ip", opts: NetOptions{Networks: []string{"user"}, IP: "10.94.1.9"}, mode: "bridge", nets: []network.Attachment{{Network: "user", InterfaceName: "eth0", IP: "10.94.1.9"}}},
		{name: "ports and -P", opts: NetOptions{Publish: []string{"8080:80"}, PublishAll: true}, exposed: map[string]struct{}{"80/tcp": {}, "53/udp": {}},
			mode: "bridge", nets: []network.Attachment{{Network: "podman", InterfaceName: "eth0"}},
			ports: []network.PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {ContainerPort: 53, Protocol: "udp"}}},
		{name: "unknown network", opts: NetOptions{Networks: []string{"nope"}}, err: errdefs.ErrNotFound},
		{name: "none with host", opts: NetOptions{Networks: []string{"none", "host"}}, err: errdefs.ErrInvalidArg},
		{name: "network twice", opts: NetOptions{Networks: []string{"user", "user"}}, err: errdefs.ErrInvalidArg},
		{name: "ip with two networks", opts: NetOptions{Networks: []string{"user", "nodns"}, IP: "10.94.1.9"}, err: errdefs.ErrInvalidArg},
		{name: "bad ip", opts: NetOptions{IP: "10.94.1.300"}, err: errdefs.ErrInvalidArg},
		{name: "ip with none", opts: NetOptions{Networks: []string{"none"}, IP: "10.0.0.1"}, err: errdefs.ErrInvalidArg},
		{name: "bad mac", opts: NetOptions{MAC: "zz"}, err: errdefs.ErrInvalidArg},
		{name: "alias without network", opts: NetOptions{Networks: []string{"none"}, Aliases: []string{"x"}}, err: errdefs.ErrInvalidArg},
		{name: "bad dns", opts: NetOptions{DNS: []string{"dns.example"}}, err: errdefs.ErrInvalidArg},
		{name: "bad add-host", opts: NetOptions{AddHosts: []string{"x=1.2.3.4"}}, err: errdefs.ErrInvalidArg},
		{name: "bad add-host ip", opts: NetOptions{AddHosts: []string{"x:1.2.3"}}, err: errdefs.ErrInvalidArg},
		{name: "bad port", opts: NetOptions{Publish: []string{"0:80"}}, err: errdefs.ErrInvalidArg},
		{name: "ports with none", opts: NetOptions{Networks: []string{"none"}, Publish: []string{"80"}}, err: errdefs.ErrInvalidArg},
		{name: "missing ns", opts: NetOptions{Networks: []string{"ns:/nonexistent"}}, err: errdefs.ErrInvalidArg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &ContainerConfig{}
			err := r.buildNetConfig(ctx, cfg, tt.opts, tt.exposed)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.NetworkMode != tt.mode || !reflect.DeepEqual(cfg.Networks, tt.nets) || !reflect.DeepEqual(cfg.Ports, tt.ports) {
				t.Fatalf("got mode %q nets %+v ports %+v\nwant mode %q nets %+v ports %+v", cfg.NetworkMode, cfg.Networks, cfg.Ports, tt.mode, tt.nets, tt.ports)
			}
		})
	}
}
