package network

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestLeases(t *testing.T) {
	l := leases{dir: filepath.Join(t.TempDir(), "net")}
	unlock, err := l.lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	// A /29 without --ip-range: .1 is the gateway, .7 broadcast.
	subs := []Subnet{{Subnet: "10.9.0.0/29", Gateway: "10.9.0.1"}}
	none := netip.Addr{}
	var got []string
	var a []netip.Addr
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		a, err = l.acquire(subs, id, "eth0", none)
		if err != nil {
			t.Fatalf("acquire %s: %v", id, err)
		}
		got = append(got, a[0].String())
	}
	want := []string{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"}
	if len(got) != len(want) || got[0] != want[0] || got[4] != want[4] {
		t.Errorf("leased %v, want %v", got, want)
	}
	if _, err := l.acquire(subs, "f", "eth0", none); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("acquire from a full range: %v", err)
	}
	// The lease file is host-local's: the address names it, it holds the
	// owner.
	if b, err := os.ReadFile(filepath.Join(l.dir, "10.9.0.3")); err != nil || string(b) != "b\r\neth0" {
		t.Errorf("lease file: %q, %v", b, err)
	}
	// Released addresses come back round-robin: after the last one leased.
	if err := l.release("b", "eth0"); err != nil {
		t.Fatal(err)
	}
	if err := l.release("a", "eth0"); err != nil {
		t.Fatal(err)
	}
	a, err = l.acquire(subs, "g", "eth0", none)
	if err != nil || a[0].String() != "10.9.0.2" {
		t.Errorf("after release: %v, %v", a, err)
	}
	// A requested address: taken once, again by its owner, not by another.
	want4 := netip.MustParseAddr("10.9.0.3")
	if a, err := l.acquire(subs, "h", "eth1", want4); err != nil || a[0] != want4 {
		t.Errorf("static: %v, %v", a, err)
	}
	if _, err := l.acquire(subs, "h", "eth1", want4); err != nil {
		t.Errorf("static again by its owner: %v", err)
	}
	if _, err := l.acquire(subs, "i", "eth0", want4); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("static taken by another: %v", err)
	}
	// Two subnets: one lease in each; the requested address only in its own.
	l2 := leases{dir: filepath.Join(t.TempDir(), "dual")}
	unlock2, err := l2.lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock2()
	dual := []Subnet{{Subnet: "10.9.1.0/24", Gateway: "10.9.1.1", LeaseRange: &LeaseRange{StartIP: "10.9.1.100", EndIP: "10.9.1.110"}}, {Subnet: "fd00:9::/64", Gateway: "fd00:9::1"}}
	a, err = l2.acquire(dual, "x", "eth0", netip.MustParseAddr("fd00:9::42"))
	if err != nil || a[0].String() != "10.9.1.100" || a[1].String() != "fd00:9::42" {
		t.Errorf("dual stack: %v, %v", a, err)
	}
	if err := l2.release("x", "eth0"); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(l2.dir, "*:*")); len(left) != 0 {
		t.Errorf("left after release: %v", left)
	}
}
