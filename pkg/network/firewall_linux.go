package network

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/lock"
)

// A bridge network's way out and its forwarding are per network, not per
// container: one chain in the filter table accepting what the network's
// subnets forward (and the replies), jumped to from FORWARD, and, unless the
// network is internal, one chain in the nat table masquerading what leaves
// the subnets, jumped to from POSTROUTING. They are what the bridge plugin's
// ipMasq and the firewall plugin would add for every container, written once
// with one iptables-restore per address family (ip6tables only for a network
// with an IPv6 subnet), and removed with the network.
//
// Whether they are in place is recorded in RUNDIR/firewall/CHAIN: the boot,
// the network namespace (its cookie, never reused within a boot) and the
// bridge device (its index) they were written for, and a digest of the
// rules. A container's set-up compares that record with the namespace and
// bridge it sees, in-process; only when they differ (first use, a reboot, a
// rootless namespace made again, the bridge deleted, pod's rules changed) are
// the rules written again. Writing is idempotent: the chains are flushed and
// refilled, and the jumps to them added only where iptables-save shows none.

// fwChains are the names of a network's chains. They are derived from what
// the network shares with the host (its bridge and subnets), so two
// installations defining the same bridge network share its chains as they
// share its bridge.
func fwChains(n *Network) (filter, nat string) {
	h := sha256.New()
	h.Write([]byte(n.NetworkInterface))
	for _, s := range n.Subnets {
		h.Write([]byte("\n" + s.Subnet))
	}
	id := strings.ToUpper(hex.EncodeToString(h.Sum(nil))[:12])
	return "POD-FWD-" + id, "POD-NAT-" + id
}

// family is one of iptables' address families.
type family struct {
	v6            bool
	save, restore string
	multicast     string
}

var families = []family{
	{v6: false, save: "iptables-save", restore: "iptables-restore", multicast: "224.0.0.0/4"},
	{v6: true, save: "ip6tables-save", restore: "ip6tables-restore", multicast: "ff00::/8"},
}

// subnets are n's subnets of family f.
func (f family) subnets(n *Network) []string {
	var out []string
	for _, s := range n.Subnets {
		if p, err := netip.ParsePrefix(s.Subnet); err == nil && p.Addr().Is6() == f.v6 {
			out = append(out, p.Masked().String())
		}
	}
	return out
}

// rules is the iptables-restore input that (re)fills n's chains, without
// the jumps to them.
func (f family) rules(n *Network) (filter, nat string) {
	fwd, masq := fwChains(n)
	subs := f.subnets(n)
	var b strings.Builder
	fmt.Fprintf(&b, ":%s - [0:0]\n", fwd)
	// Networks are isolated from each other, as Docker's are: what comes
	// from n's bridge may go back into it (bridged traffic, with
	// br_netfilter) but not into another pod bridge; a container on two
	// networks talks to each over its own interface there.
	fmt.Fprintf(&b, "-A %s -i %s -o %s -j ACCEPT\n", fwd, n.NetworkInterface, n.NetworkInterface)
	fmt.Fprintf(&b, "-A %s -i %s -o %s+ -j DROP\n", fwd, n.NetworkInterface, bridgePrefix)
	for _, s := range subs {
		fmt.Fprintf(&b, "-A %s -d %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n", fwd, s)
		fmt.Fprintf(&b, "-A %s -s %s -j ACCEPT\n", fwd, s)
	}
	filter = b.String()
	if n.Internal {
		return filter, ""
	}
	b.Reset()
	fmt.Fprintf(&b, ":%s - [0:0]\n", masq)
	for _, s := range subs {
		fmt.Fprintf(&b, "-A %s -d %s -j ACCEPT\n", masq, s)
	}
	fmt.Fprintf(&b, "-A %s ! -d %s -j MASQUERADE\n", masq, f.multicast)
	return filter, b.String()
}

// jumps are the rules, as iptables-save prints them (without "-A CHAIN "),
// that send traffic to n's chains: per built-in chain.
func (f family) jumps(n *Network) (forward []string, postrouting []string) {
	fwd, masq := fwChains(n)
	comment := fmt.Sprintf(`-m comment --comment "pod network %s"`, n.Name)
	forward = []string{fmt.Sprintf("%s -j %s", comment, fwd)}
	if !n.Internal {
		for _, s := range f.subnets(n) {
			postrouting = append(postrouting, fmt.Sprintf("-s %s %s -j %s", s, comment, masq))
		}
	}
	return forward, postrouting
}

// saved is one family's iptables-save output, by table.
type saved map[string][]string

func (f family) saveTables(ctx context.Context) (saved, error) {
	out, err := runFW(ctx, nil, f.save)
	if err != nil {
		return nil, err
	}
	s := saved{}
	table := ""
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(l, "*"):
			table = l[1:]
		case strings.HasPrefix(l, ":"), strings.HasPrefix(l, "-A "):
			s[table] = append(s[table], l)
		}
	}
	return s, nil
}

// count is how many times table holds line exactly.
func (s saved) count(table, line string) int {
	n := 0
	for _, l := range s[table] {
		if l == line {
			n++
		}
	}
	return n
}

func (s saved) hasChain(table, chain string) bool {
	for _, l := range s[table] {
		if strings.HasPrefix(l, ":"+chain+" ") {
			return true
		}
	}
	return false
}

// apply writes n's chains for family f and adds the jumps that are missing.
func (f family) apply(ctx context.Context, n *Network) error {
	s, err := f.saveTables(ctx)
	if err != nil {
		return err
	}
	filter, nat := f.rules(n)
	forward, postrouting := f.jumps(n)
	var in strings.Builder
	in.WriteString("*filter\n" + filter)
	for _, j := range forward {
		if s.count("filter", "-A FORWARD "+j) == 0 {
			// First, as the firewall plugin puts its chain: before any
			// rule of the host's that would drop forwarded traffic.
			in.WriteString("-I FORWARD 1 " + j + "\n")
		}
	}
	in.WriteString("COMMIT\n")
	if nat != "" {
		in.WriteString("*nat\n" + nat)
		for _, j := range postrouting {
			if s.count("nat", "-A POSTROUTING "+j) == 0 {
				in.WriteString("-A POSTROUTING " + j + "\n")
			}
		}
		in.WriteString("COMMIT\n")
	}
	if _, err := runFW(ctx, []byte(in.String()), f.restore, "--noflush", "-w"); err != nil {
		return fmt.Errorf("firewall rules of network %s: %w", n.Name, err)
	}
	return nil
}

// remove deletes n's chains and every jump to them, if there are any.
func (f family) remove(ctx context.Context, n *Network) error {
	s, err := f.saveTables(ctx)
	if err != nil {
		return err
	}
	fwd, masq := fwChains(n)
	var in strings.Builder
	for _, t := range []struct{ table, builtin, chain string }{{"filter", "FORWARD", fwd}, {"nat", "POSTROUTING", masq}} {
		var cmds []string
		for _, l := range s[t.table] {
			if strings.HasPrefix(l, "-A "+t.builtin+" ") && strings.HasSuffix(l, " -j "+t.chain) {
				cmds = append(cmds, "-D"+strings.TrimPrefix(l, "-A"))
			}
		}
		if s.hasChain(t.table, t.chain) {
			cmds = append(cmds, "-F "+t.chain, "-X "+t.chain)
		}
		if len(cmds) > 0 {
			in.WriteString("*" + t.table + "\n" + strings.Join(cmds, "\n") + "\nCOMMIT\n")
		}
	}
	if in.Len() == 0 {
		return nil
	}
	if _, err := runFW(ctx, []byte(in.String()), f.restore, "--noflush", "-w"); err != nil {
		return fmt.Errorf("remove firewall rules of network %s: %w", n.Name, err)
	}
	return nil
}

func runFW(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%s is not installed: bridge networks need it (Debian package iptables): %w", name, err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// familiesOf are the address families n has subnets in.
func familiesOf(n *Network) []family {
	var out []family
	for _, f := range families {
		if len(f.subnets(n)) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func (m *Manager) rulesRecord(n *Network) string {
	fwd, _ := fwChains(n)
	return filepath.Join(m.paths.RunDir, "firewall", fwd)
}

// rulesIdentity is what a record of n's rules must say for them to be in
// place: the boot, the namespace this thread is in, n's bridge, the rules.
// ok is false when the bridge does not exist.
func rulesIdentity(n *Network) (id string, ok bool, err error) {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", false, fmt.Errorf("read boot id: %w", err)
	}
	cookie, err := netnsCookie()
	if err != nil {
		return "", false, err
	}
	l, err := netlink.LinkByName(n.NetworkInterface)
	if err != nil {
		return "", false, nil
	}
	h := sha256.New()
	for _, f := range familiesOf(n) {
		filter, nat := f.rules(n)
		fwd, post := f.jumps(n)
		fmt.Fprintf(h, "%v\n%s%s%q%q\n", f.v6, filter, nat, fwd, post)
	}
	return fmt.Sprintf("boot %s netns %d bridge %d rules %x\n", strings.TrimSpace(string(boot)), cookie, l.Attrs().Index, h.Sum(nil)[:8]), true, nil
}

// netnsCookie identifies the network namespace the calling thread is in:
// unlike its inode number, a cookie is never given to another namespace
// within a boot. Kernels before 5.14 have none; the inode is the fallback.
func netnsCookie() (uint64, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	c, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_NETNS_COOKIE)
	if err == nil {
		return c, nil
	}
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), &st); err != nil {
		return 0, fmt.Errorf("identify network namespace: %w", err)
	}
	return st.Ino, nil
}

// ensureRules puts n's per-network rules in place unless its record says
// they are. The caller is in the networks' namespace, after the bridge
// plugin made n's bridge.
func (m *Manager) ensureRules(ctx context.Context, n *Network) error {
	want, ok, err := rulesIdentity(n)
	if err != nil || !ok {
		return err
	}
	rec := m.rulesRecord(n)
	if b, err := os.ReadFile(rec); err == nil && string(b) == want {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(rec), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(rec), err)
	}
	// Containers starting at once on a network new to this boot: one
	// writes the rules, the others find its record.
	l, err := lock.Acquire(ctx, rec+".lock")
	if err != nil {
		return err
	}
	defer l.Release()
	if b, err := os.ReadFile(rec); err == nil && string(b) == want {
		return nil
	}
	for _, f := range familiesOf(n) {
		if err := f.apply(ctx, n); err != nil {
			return err
		}
	}
	tmp := rec + ".tmp"
	if err := os.WriteFile(tmp, []byte(want), 0o644); err != nil {
		return fmt.Errorf("record firewall rules of network %s: %w", n.Name, err)
	}
	if err := os.Rename(tmp, rec); err != nil {
		return fmt.Errorf("record firewall rules of network %s: %w", n.Name, err)
	}
	return nil
}

// forgetRules drops the record of n's rules, so that the next container
// attaching to n writes them again (`pod network reload`, after the host's
// firewall was flushed).
func (m *Manager) forgetRules(n *Network) error {
	if err := os.Remove(m.rulesRecord(n)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("forget firewall rules of network %s: %w", n.Name, err)
	}
	return nil
}

// removeRules deletes n's per-network rules and their record. The caller
// is in the networks' namespace.
func (m *Manager) removeRules(ctx context.Context, n *Network) error {
	var errs []error
	for _, f := range familiesOf(n) {
		errs = append(errs, f.remove(ctx, n))
	}
	errs = append(errs, m.forgetRules(n))
	return errors.Join(errs...)
}
