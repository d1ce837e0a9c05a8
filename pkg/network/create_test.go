package network

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

func testDB(t *testing.T, dir string) *state.DB {
	t.Helper()
	db, err := state.Open(context.Background(), filepath.Join(dir, "pod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newTestManager(t *testing.T) *Manager {
	dir := t.TempDir()
	return NewManager(Paths{ConfigDir: filepath.Join(dir, "networks"), RunDir: filepath.Join(dir, "run"), IPAMDB: filepath.Join(dir, "ipam.db")}, testDB(t, dir))
}

func TestCreateValidation(t *testing.T) {
	ctx := context.Background()
	m := newTestManager(t)
	if _, err := m.Create(ctx, CreateOptions{Name: "taken", Subnets: []string{"10.90.0.0/24"}}); err != nil {
		t.Fatal(err)
	}
	// The default network's subnet is chosen on first use from what the
	// host routes; ask for it rather than assume one.
	def, err := m.Inspect(ctx, DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	defSub := netip.MustParsePrefix(def.Subnets[0].Subnet)
	inDefault := netip.PrefixFrom(defSub.Addr(), min(defSub.Bits()+1, 30)).String()
	tests := []struct {
		name string
		opts CreateOptions
		err  error
	}{
		{"bad cidr", CreateOptions{Name: "a", Subnets: []string{"10.91.0.0/33"}}, errdefs.ErrInvalidArg},
		{"not a cidr", CreateOptions{Name: "a", Subnets: []string{"banana"}}, errdefs.ErrInvalidArg},
		{"host bits", CreateOptions{Name: "a", Subnets: []string{"10.91.0.1/24"}}, errdefs.ErrInvalidArg},
		{"overlap", CreateOptions{Name: "a", Subnets: []string{"10.90.0.0/16"}}, errdefs.ErrConflict},
		{"overlap default", CreateOptions{Name: "a", Subnets: []string{inDefault}}, errdefs.ErrConflict},
		{"gateway outside", CreateOptions{Name: "a", Subnets: []string{"10.91.0.0/24"}, Gateways: []string{"10.92.0.1"}}, errdefs.ErrInvalidArg},
		{"gateway without subnet", CreateOptions{Name: "a", Gateways: []string{"10.92.0.1"}}, errdefs.ErrInvalidArg},
		{"range outside", CreateOptions{Name: "a", Subnets: []string{"10.91.0.0/24"}, IPRanges: []string{"10.91.1.0/25"}}, errdefs.ErrInvalidArg},
		{"name taken", CreateOptions{Name: "taken"}, errdefs.ErrAlreadyExists},
		{"default taken", CreateOptions{Name: DefaultName}, errdefs.ErrAlreadyExists},
		{"bad name", CreateOptions{Name: "-x"}, errdefs.ErrInvalidArg},
		{"bad driver", CreateOptions{Name: "a", Driver: "overlay"}, errdefs.ErrInvalidArg},
		{"bad option", CreateOptions{Name: "a", Options: map[string]string{"colour": "red"}}, errdefs.ErrInvalidArg},
		{"bad mtu", CreateOptions{Name: "a", Options: map[string]string{"mtu": "big"}}, errdefs.ErrInvalidArg},
		{"macvlan without parent", CreateOptions{Name: "a", Driver: DriverMacvlan}, errdefs.ErrInvalidArg},
		{"macvlan unknown parent", CreateOptions{Name: "a", Driver: DriverMacvlan, Options: map[string]string{"parent": "nosuch0"}}, errdefs.ErrInvalidArg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Create(ctx, tt.opts)
			if !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
			if _, err := m.db.GetNetwork(ctx, "a"); !errors.Is(err, errdefs.ErrNotFound) {
				t.Fatalf("a failed create left a record: %v", err)
			}
		})
	}
}

func TestCreateDefaults(t *testing.T) {
	ctx := context.Background()
	m := newTestManager(t)
	a, err := m.Create(ctx, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Create(ctx, CreateOptions{Name: "b", IPv6: true, Internal: true, Labels: map[string]string{"k": "v"}, Options: map[string]string{"mtu": "1400"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Create(ctx, CreateOptions{Name: "c", Subnets: []string{"10.93.0.0/24"}, Gateways: []string{"10.93.0.254"}, IPRanges: []string{"10.93.0.128/25"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "podman1" || a.Subnets[0].Subnet == b.Subnets[0].Subnet || a.NetworkInterface == b.NetworkInterface || !a.DNSEnabled {
		t.Errorf("auto names/subnets: %+v %+v", a, b)
	}
	if len(b.Subnets) != 2 || !b.IPv6Enabled {
		t.Errorf("--ipv6 subnets %+v", b.Subnets)
	}
	if c.Subnets[0].Gateway != "10.93.0.254" || c.Subnets[0].LeaseRange.StartIP != "10.93.0.129" || c.Subnets[0].LeaseRange.EndIP != "10.93.0.254" {
		t.Errorf("subnet %+v %+v", c.Subnets[0], c.Subnets[0].LeaseRange)
	}
	// The plugin chain pod would run for b: the addresses pod leased,
	// handed over by the static IPAM plugin; no per-container NAT.
	conf, err := attachConflist(b, m.paths, true, true, []netip.Addr{netip.MustParseAddr("10.89.1.7")})
	if err != nil {
		t.Fatal(err)
	}
	list, err := libcni.ConfListFromBytes(conf)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, p := range list.Plugins {
		types = append(types, p.Network.Type)
	}
	if got := types; len(got) != 3 || got[0] != "bridge" || got[1] != "portmap" || got[2] != "tuning" {
		t.Errorf("plugins %v", got)
	}
	var br map[string]any
	json.Unmarshal(list.Plugins[0].Bytes, &br)
	if br["ipMasq"] != false || br["mtu"] != float64(1400) {
		t.Errorf("internal network's bridge config %v", br)
	}
	ipam := br["ipam"].(map[string]any)
	if _, ok := ipam["routes"]; ok {
		t.Error("internal network has a default route")
	}
	if ipam["type"] != "static" || !strings.Contains(string(conf), "10.89.1.7/") {
		t.Errorf("IPAM %v", ipam)
	}
	all, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range all {
		names = append(names, n.Name)
	}
	if len(names) != 4 || names[0] != "b" || names[3] != "podman1" || names[2] != DefaultName {
		t.Errorf("List = %v", names)
	}
	got, err := m.Inspect(ctx, b.ID[:12])
	if err != nil || got.Name != "b" {
		t.Errorf("Inspect by ID prefix: %v %v", got, err)
	}
	if ok, _ := m.Exists(ctx, "nope"); ok {
		t.Error("Exists(nope)")
	}
	if _, err := m.Remove(ctx, DefaultName); !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Errorf("removing the default network: %v", err)
	}
	if _, err := m.Remove(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Inspect(ctx, "c"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Inspect after Remove: %v", err)
	}
}
