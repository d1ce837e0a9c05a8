package network

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Address leases, kept where and as the host-local IPAM plugin keeps them,
// so that pod and the plugin (which tears down containers an older pod
// attached through it, and which any CNI tool running the stored conflist
// uses) share one record of what is taken: in DIR/NETWORK, one file per
// leased address, named by the address and holding the container ID and
// interface name ("ID\r\nIFNAME"); last_reserved_ip.N remembers where the
// search of range N stopped, so addresses are handed out round-robin;
// every change holds an exclusive flock on the directory.

// defaultLeaseDir is host-local's default data directory.
const defaultLeaseDir = "/var/lib/cni/networks"

type leases struct {
	dir string // DIR/NETWORK
}

func (m *Manager) leases(network string) leases {
	dir := m.paths.IPAMDir
	if dir == "" {
		dir = defaultLeaseDir
	}
	return leases{dir: filepath.Join(dir, network)}
}

// lock takes the directory's flock; the returned function releases it.
func (l leases) lock() (func(), error) {
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", l.dir, err)
	}
	fd, err := unix.Open(l.dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", l.dir, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", l.dir, err)
	}
	return func() { unix.Close(fd) }, nil
}

func leaseOwner(id, ifName string) string { return id + "\r\n" + ifName }

// leaseRange is the part of a subnet leases are taken from, as host-local
// reads a range: the subnet's first host address to its last (for IPv4,
// the one before broadcast), narrowed by --ip-range, never the gateway.
type leaseRange struct {
	subnet     netip.Prefix
	start, end netip.Addr
	gateway    netip.Addr
}

func rangeOf(s Subnet) (leaseRange, error) {
	p, err := netip.ParsePrefix(s.Subnet)
	if err != nil {
		return leaseRange{}, fmt.Errorf("subnet %q: %w", s.Subnet, err)
	}
	p = p.Masked()
	r := leaseRange{subnet: p, start: p.Addr().Next(), end: lastAddr(p)}
	if p.Addr().Is4() {
		r.end = r.end.Prev()
	}
	if s.Gateway != "" {
		r.gateway, _ = netip.ParseAddr(s.Gateway)
	}
	if s.LeaseRange != nil {
		if a, err := netip.ParseAddr(s.LeaseRange.StartIP); err == nil {
			r.start = a
		}
		if a, err := netip.ParseAddr(s.LeaseRange.EndIP); err == nil {
			r.end = a
		}
	}
	return r, nil
}

// acquire leases one address of each of subs to the container's interface:
// want when it lies in that subnet, else the next free one. It returns the
// addresses in the order of subs. The caller holds the lock.
func (l leases) acquire(subs []Subnet, id, ifName string, want netip.Addr) ([]netip.Addr, error) {
	var got []netip.Addr
	undo := func() {
		for _, a := range got {
			os.Remove(filepath.Join(l.dir, a.String()))
		}
	}
	owner := leaseOwner(id, ifName)
	for i, s := range subs {
		r, err := rangeOf(s)
		if err != nil {
			undo()
			return nil, err
		}
		var a netip.Addr
		if want.IsValid() && r.subnet.Contains(want) {
			a, err = l.take(want, owner)
		} else {
			a, err = l.next(r, i, owner)
		}
		if err != nil {
			undo()
			return nil, err
		}
		got = append(got, a)
	}
	return got, nil
}

// take leases a; it is fine if the same owner holds it already.
func (l leases) take(a netip.Addr, owner string) (netip.Addr, error) {
	p := filepath.Join(l.dir, a.String())
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			if b, rerr := os.ReadFile(p); rerr == nil && strings.TrimSpace(string(b)) == owner {
				return a, nil
			}
			return a, errdefs.Conflictf("requested IP address %s is already allocated", a)
		}
		return a, fmt.Errorf("lease %s: %w", a, err)
	}
	_, err = f.WriteString(owner)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return a, fmt.Errorf("lease %s: %w", a, err)
	}
	return a, nil
}

// next leases the first free address of r after the one last handed out,
// going round once.
func (l leases) next(r leaseRange, idx int, owner string) (netip.Addr, error) {
	if r.end.Less(r.start) {
		return netip.Addr{}, invalidf("empty address range %s-%s", r.start, r.end)
	}
	advance := func(a netip.Addr) netip.Addr {
		if a == r.end {
			return r.start
		}
		return a.Next()
	}
	lastFile := filepath.Join(l.dir, "last_reserved_ip."+strconv.Itoa(idx))
	first := r.start
	if b, err := os.ReadFile(lastFile); err == nil {
		if a, err := netip.ParseAddr(strings.TrimSpace(string(b))); err == nil && !a.Less(r.start) && !r.end.Less(a) {
			first = advance(a)
		}
	}
	for cur := first; ; {
		if cur != r.gateway {
			if _, err := os.Lstat(filepath.Join(l.dir, cur.String())); errors.Is(err, os.ErrNotExist) {
				a, err := l.take(cur, owner)
				if err == nil {
					_ = os.WriteFile(lastFile, []byte(a.String()), 0o644)
					return a, nil
				}
				if !errors.Is(err, errdefs.ErrConflict) {
					return a, err
				}
			}
		}
		if cur = advance(cur); cur == first {
			break
		}
	}
	return netip.Addr{}, errdefs.Conflictf("no free address in %s-%s of %s", r.start, r.end, r.subnet)
}

// release drops every lease of the container's interface.
func (l leases) release(id, ifName string) error {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read %s: %w", l.dir, err)
	}
	owner := leaseOwner(id, ifName)
	var errs []error
	for _, e := range entries {
		if e.IsDir() || e.Name() == "lock" || strings.HasPrefix(e.Name(), "last_reserved_ip") {
			continue
		}
		p := filepath.Join(l.dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if s := strings.TrimSpace(string(b)); s == owner || s == id {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("release lease %s: %w", e.Name(), err))
			}
		}
	}
	return errors.Join(errs...)
}
