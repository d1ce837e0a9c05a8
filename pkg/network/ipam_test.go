package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func testIPAM(t *testing.T, m *Manager) *ipam {
	t.Helper()
	ip, err := m.openIPAM(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ip.Close() })
	return ip
}

func ctrID(i int) string { return fmt.Sprintf("%064x", i+1) }

// Many processes leasing at once on one network get distinct addresses:
// each goroutine opens the lease DB itself, as a pod process does.
func TestIPAMConcurrentDistinct(t *testing.T) {
	ctx := context.Background()
	m := newTestManager(t)
	n := &Network{Name: "enpool", Driver: DriverBridge, NetworkInterface: "pod9",
		Subnets: []Subnet{{Subnet: "10.121.0.0/28", Gateway: "10.121.0.1"}}}
	const workers = 12 // the range holds 13 (.2 to .14)
	var wg sync.WaitGroup
	got := make([]netip.Addr, workers)
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ip, err := m.openIPAM(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			defer ip.Close()
			a, err := ip.acquire(ctx, n, ctrID(i), "eth0", netip.Addr{})
			if err == nil {
				got[i] = a[0]
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	seen := map[netip.Addr]int{}
	for i, a := range got {
		if errs[i] != nil {
			t.Fatalf("worker %d: %v", i, errs[i])
		}
		if a.String() == "10.121.0.1" || a.String() == "10.121.0.15" || !netip.MustParsePrefix("10.121.0.0/28").Contains(a) {
			t.Errorf("worker %d got %s", i, a)
		}
		if j, ok := seen[a]; ok {
			t.Fatalf("workers %d and %d both got %s", i, j, a)
		}
		seen[a] = i
	}
	ip := testIPAM(t, m)
	// One more fits; then the range is full.
	if _, err := ip.acquire(ctx, n, ctrID(100), "eth0", netip.Addr{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ip.acquire(ctx, n, ctrID(101), "eth0", netip.Addr{}); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("lease from a full range: %v", err)
	}
	// A static address that is taken is refused; released, it is free.
	taken := got[0]
	if _, err := ip.acquire(ctx, n, ctrID(101), "eth0", taken); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("taken static address: %v", err)
	}
	if err := ip.release(ctx, "enpool", ctrID(0)); err != nil {
		t.Fatal(err)
	}
	if a, err := ip.acquire(ctx, n, ctrID(101), "eth0", taken); err != nil || a[0] != taken {
		t.Fatalf("static address after release: %v %v", a, err)
	}
	// Leasing again for the same interface keeps its address.
	if a, err := ip.acquire(ctx, n, ctrID(101), "eth0", netip.Addr{}); err != nil || a[0] != taken {
		t.Fatalf("lease again: %v %v", a, err)
	}
	holders, err := ip.holders(ctx)
	if err != nil || len(holders) != workers+1 {
		t.Fatalf("holders = %d, %v", len(holders), err)
	}
}

// Addresses are handed out round robin, skipping what an older pod leased
// in host-local's files; the files of a container torn down go.
func TestIPAMRoundRobinAndLegacyLeases(t *testing.T) {
	ctx := context.Background()
	m := newTestManager(t)
	m.paths.IPAMDir = filepath.Join(t.TempDir(), "cni-networks")
	legacy := filepath.Join(m.paths.IPAMDir, "enrr")
	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	// An older pod's container holds .2.
	if err := os.WriteFile(filepath.Join(legacy, "10.121.1.2"), []byte(ctrID(50)+"\r\neth0"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := &Network{Name: "enrr", Driver: DriverBridge, NetworkInterface: "pod8",
		Subnets: []Subnet{{Subnet: "10.121.1.0/24", Gateway: "10.121.1.1"}}}
	ip := testIPAM(t, m)
	a, err := ip.acquire(ctx, n, ctrID(1), "eth0", netip.Addr{})
	if err != nil || a[0].String() != "10.121.1.3" {
		t.Fatalf("first lease %v %v, want 10.121.1.3 (.2 is an older pod's)", a, err)
	}
	if err := ip.release(ctx, "enrr", ctrID(1)); err != nil {
		t.Fatal(err)
	}
	if a, err = ip.acquire(ctx, n, ctrID(2), "eth0", netip.Addr{}); err != nil || a[0].String() != "10.121.1.4" {
		t.Fatalf("next lease %v %v, want 10.121.1.4 (round robin)", a, err)
	}
	// Tearing down the older pod's container removes its file.
	if err := ip.release(ctx, "enrr", ctrID(50)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(legacy, "10.121.1.2")); !os.IsNotExist(err) {
		t.Errorf("older lease file left: %v", err)
	}
}

func TestChooseDefaultSubnet(t *testing.T) {
	hp := func(p, link string) hostPrefix { return hostPrefix{netip.MustParsePrefix(p), link} }
	tests := []struct {
		name string
		used []netip.Prefix
		host []hostPrefix
		want string
	}{
		{"free host", nil, []hostPrefix{hp("192.0.2.0/24", "eth0")}, "10.255.255.0/24"},
		{"no host information", nil, nil, "10.255.255.0/24"},
		{"top routed", nil, []hostPrefix{hp("10.255.255.0/24", "tun0")}, "10.255.254.0/24"},
		{"podman's bridge", nil, []hostPrefix{hp("10.88.0.0/16", "podman0")}, "10.255.255.0/24"},
		{"a wide route", nil, []hostPrefix{hp("10.128.0.0/9", "vpn0")}, "10.127.255.0/24"},
		{"a pod network", []netip.Prefix{netip.MustParsePrefix("10.255.255.0/24")}, nil, "10.255.254.0/24"},
		{"shared pod0", nil, []hostPrefix{hp("10.88.0.0/16", "podman0"), hp("10.89.7.0/24", DefaultBridge)}, "10.89.7.0/24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chooseDefaultSubnet(tt.used, tt.host)
			if err != nil || got.String() != tt.want {
				t.Errorf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}

// A store of the layout before networks were DB rows: its conflists are
// imported once, by whichever of several managers comes first, and read
// back as they were.
func TestImportLegacyConflists(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := Paths{ConfigDir: filepath.Join(dir, "networks"), RunDir: filepath.Join(dir, "run"), IPAMDB: filepath.Join(dir, "ipam.db")}
	old := &Network{Name: "enlegacy", ID: ID("enlegacy"), Driver: DriverBridge, NetworkInterface: "pod3", DNSEnabled: true,
		Subnets: []Subnet{{Subnet: "10.131.0.0/24", Gateway: "10.131.0.1"}}, Labels: map[string]string{"k": "v"}}
	b, err := conflistBytes(old, p)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(p.ConfigDir, 0o755)
	if err := os.WriteFile(filepath.Join(p.ConfigDir, "enlegacy.conflist"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(p.ConfigDir, "other.conflist"), []byte(`{"cniVersion":"1.0.0","name":"other","plugins":[]}`), 0o644)
	db := testDB(t, dir)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = NewManager(p, db).List(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	m := NewManager(p, db)
	all, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range all {
		names = append(names, n.Name)
	}
	if strings.Join(names, " ") != "enlegacy "+DefaultName {
		t.Fatalf("networks after import: %v", names)
	}
	got, err := m.Inspect(ctx, "enlegacy")
	if err != nil || got.NetworkInterface != "pod3" || got.Subnets[0].Subnet != "10.131.0.0/24" || got.Labels["k"] != "v" || !got.DNSEnabled {
		t.Fatalf("imported %+v, %v", got, err)
	}
	// Removed, it stays removed: the import does not run again. (The
	// record only: pod3 may be a bridge of the host's.)
	if err := db.RemoveNetwork(ctx, "enlegacy"); err != nil {
		t.Fatal(err)
	}
	if ok, err := m.Exists(ctx, "enlegacy"); ok || err != nil {
		t.Fatalf("removed network exists: %v", err)
	}
}

// A DB started anew (lost, or set aside as corrupt) gets the networks back
// from the copies kept beside it, with the attachments the containers'
// configurations name; a removed network's copy is gone with it.
func TestNetworksSurviveNewDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := Paths{ConfigDir: filepath.Join(dir, "networks"), RunDir: filepath.Join(dir, "run"), IPAMDB: filepath.Join(dir, "ipam.db")}
	m := NewManager(p, testDB(t, filepath.Join(dir, "first")))
	if _, err := m.Create(ctx, CreateOptions{Name: "enkept", Subnets: []string{"10.131.40.0/24"}, Labels: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, CreateOptions{Name: "engone", Subnets: []string{"10.131.41.0/24"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.db.RemoveNetwork(ctx, "engone"); err != nil {
		t.Fatal(err)
	}
	os.Remove(m.confPath("engone")) // as Remove does, without touching the host's links

	m2 := NewManager(p, testDB(t, filepath.Join(dir, "second")))
	all, err := m2.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range all {
		names = append(names, n.Name)
	}
	if strings.Join(names, " ") != "enkept "+DefaultName {
		t.Fatalf("networks in the new DB: %v", names)
	}
	n, err := m2.Inspect(ctx, "enkept")
	if err != nil || n.Subnets[0].Subnet != "10.131.40.0/24" || n.Labels["k"] != "v" {
		t.Fatalf("enkept in the new DB: %+v, %v", n, err)
	}
}
