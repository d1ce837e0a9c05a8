package e2e

import (
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Networks, their attachments and their address leases are pod's own
// records (the state DB and the lease DB), not files of the CNI plugins.

// ipOf is the container's address on network.
func ipOf(t *testing.T, e *Env, name, network string) string {
	t.Helper()
	return out(e.MustPod("inspect", "-f", "{{(index .NetworkSettings.Networks \""+network+"\").IPAddress}}", name))
}

// leaseDB is where the test's pod keeps address leases.
func leaseDB(e *Env) string {
	if e.Rootless() {
		return filepath.Join(e.RunRoot, "networks", "ipam.db")
	}
	return "/run/pod/networks/ipam.db"
}

// leasesOf counts the leases a container holds, read from the lease DB
// with the sqlite3 shell.
func leasesOf(t *testing.T, e *Env, id string) int {
	t.Helper()
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Fatal("needs the sqlite3 shell (make deps installs it)")
	}
	b, err := exec.Command("sqlite3", "-readonly", "-cmd", ".timeout 10000", leaseDB(e), "SELECT count(*) FROM leases WHERE container_id = '"+id+"'").CombinedOutput()
	if err != nil {
		t.Fatalf("read the lease DB: %v: %s", err, b)
	}
	return atoi(strings.TrimSpace(string(b)))
}

// Containers started at once on one network each get an address of their
// own: leasing is one transaction of the lease DB.
func TestNetworkParallelRunDistinctAddresses(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.121.10.0/24", "enpar")
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "enpar") })
		const n = 6
		var wg sync.WaitGroup
		res := make([]*Result, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = e.Pod("run", "-d", "--name", fmt.Sprintf("enpar%d", i), "--network", "enpar", img, "sleep", "300")
			}()
		}
		wg.Wait()
		seen := map[string]string{}
		var ids []string
		for i, r := range res {
			name := fmt.Sprintf("enpar%d", i)
			if r.Code != 0 {
				t.Fatalf("run %s: exit %d: %s", name, r.Code, r.Stderr)
			}
			ids = append(ids, strings.TrimSpace(r.Stdout))
			ip := ipOf(t, e, name, "enpar")
			a, err := netip.ParseAddr(ip)
			if err != nil || !netip.MustParsePrefix("10.121.10.0/24").Contains(a) {
				t.Fatalf("%s has address %q", name, ip)
			}
			if other, ok := seen[ip]; ok {
				t.Fatalf("%s and %s both have %s", name, other, ip)
			}
			seen[ip] = name
		}
		// Each container sees its own address on its interface.
		for ip, name := range seen {
			if got := e.MustPod("exec", name, "ip", "-o", "-4", "addr", "show", "eth0").Stdout; !strings.Contains(got, ip+"/24") {
				t.Errorf("%s: eth0 has %q, want %s", name, got, ip)
			}
		}
		args := []string{"rm", "-f", "-t", "0"}
		for i := range n {
			args = append(args, fmt.Sprintf("enpar%d", i))
		}
		e.MustPod(args...)
		for _, id := range ids {
			if got := leasesOf(t, e, id); got != 0 {
				t.Errorf("container %s still holds %d leases after rm", id[:12], got)
			}
		}
	})
}

// connect adds the container's address on the new network to its
// /etc/hosts, disconnect removes it again, as podman does.
func TestNetworkConnectDisconnectHosts(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.121.11.0/24", "enh1")
		e.MustPod("network", "create", "--subnet", "10.121.12.0/24", "enh2")
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "enh1", "enh2") })
		e.MustPod("run", "-d", "--name", "enhosts", "--network", "enh1", img, "sleep", "300")
		first := ipOf(t, e, "enhosts", "enh1")
		hosts := func() string { return e.MustPod("exec", "enhosts", "cat", "/etc/hosts").Stdout }
		if h := hosts(); !strings.Contains(h, first+"\t") || !strings.Contains(h, "enhosts") {
			t.Fatalf("/etc/hosts lacks %s enhosts:\n%s", first, h)
		}
		e.MustPod("network", "connect", "enh2", "enhosts")
		second := ipOf(t, e, "enhosts", "enh2")
		if !strings.HasPrefix(second, "10.121.12.") {
			t.Fatalf("address on enh2: %q", second)
		}
		h := hosts()
		for _, l := range strings.Split(h, "\n") {
			if strings.HasPrefix(l, second+"\t") && !strings.Contains(l, "enhosts") {
				t.Errorf("line of %s does not name the container: %q", second, l)
			}
		}
		if !strings.Contains(h, second+"\t") || !strings.Contains(h, first+"\t") {
			t.Fatalf("/etc/hosts after connect lacks %s or %s:\n%s", first, second, h)
		}
		e.MustPod("network", "disconnect", "enh2", "enhosts")
		if h := hosts(); strings.Contains(h, second) || !strings.Contains(h, first+"\t") {
			t.Errorf("/etc/hosts after disconnect:\n%s", h)
		}
		e.MustPod("network", "disconnect", "enh1", "enhosts")
		if h := hosts(); strings.Contains(h, first) {
			t.Errorf("/etc/hosts after disconnecting the first network:\n%s", h)
		}
		e.MustPod("rm", "-f", "-t", "0", "enhosts")
	})
}

// A pod killed between leasing a container's address and attaching it
// leaves a lease; the next start on that network gives it back, so the
// address is free again, and the killed container starts normally.
func TestNetworkLeaseAfterCrash(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.121.13.0/24", "encrash")
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "encrash") })
		e.MustPod("create", "--name", "encrashed", "--network", "encrash", "--ip", "10.121.13.9", img, "sleep", "300")
		id := out(e.MustPod("inspect", "-f", "{{.Id}}", "encrashed"))
		podKilledAt(t, e, "network-leased", "start", "encrashed")
		if got := leasesOf(t, e, id); got != 1 {
			t.Fatalf("the killed start holds %d leases, want 1", got)
		}
		// The address is the crashed container's no more: another one
		// gets it.
		e.MustPod("run", "-d", "--name", "enthief", "--network", "encrash", "--ip", "10.121.13.9", img, "sleep", "300")
		if got := leasesOf(t, e, id); got != 0 {
			t.Errorf("the crashed container still holds %d leases", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "enthief")
		e.MustPod("start", "encrashed")
		if got := ipOf(t, e, "encrashed", "encrash"); got != "10.121.13.9" {
			t.Errorf("encrashed has %q after its restart", got)
		}
		// In use: refused; -f removes the container with the network.
		e.Pod("network", "rm", "encrash").Fails(t, 125, "network encrash is in use by 1 container(s) (encrashed)")
		e.MustPod("network", "rm", "-f", "encrash")
		if r := e.Pod("container", "exists", "encrashed"); r.Code != 1 {
			t.Errorf("network rm -f left container encrashed")
		}
		if got := leasesOf(t, e, id); got != 0 {
			t.Errorf("leases left after network rm -f: %d", got)
		}
	})
}

// The default network's subnet and that of `network create` without
// --subnet are the first that no host address, route or pod network uses,
// as podman picks them: with podman's bridge on 10.88.0.0/16 and routes to
// 10.89.0.0/24 and 10.255.255.0/24, a new network takes 10.89.1.0/24 (the
// first free, as podman's network create) and the default network
// 10.255.254.0/24 (the last free, out of the way of both engines' network
// create); without podman's bridge the default network still never takes
// 10.88.0.0/16 (issue 19). pod runs in a network namespace of the test's
// own, so the host's routes are what the test makes them.
func TestNetworkFreeSubnets(t *testing.T) {
	asRoot(t, func(t *testing.T, e *Env) {
		if _, err := exec.LookPath("unshare"); err != nil {
			t.Skip("needs unshare")
		}
		pod := fmt.Sprintf("%s --root %s --runroot %s", suite.pod, e.Root, e.RunRoot)
		script := strings.Join([]string{
			"set -e",
			"ip link add podman0 type bridge",
			"ip link set podman0 up",
			"ip addr add 10.88.0.1/16 dev podman0",
			"ip route add 10.89.0.0/24 dev podman0",
			"ip route add 10.255.255.0/24 dev podman0",
			pod + " network inspect -f '{{(index .Subnets 0).Subnet}} {{(index .Subnets 0).Gateway}}' podman",
			pod + " network create enfree >/dev/null",
			pod + " network inspect -f '{{(index .Subnets 0).Subnet}}' enfree",
			pod + " network create --subnet 10.89.0.0/24 enclash 2>&1 || echo refused",
		}, "\n")
		cmd := exec.Command("unshare", "-n", "sh", "-c", script)
		cmd.Env = e.environ()
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v:\n%s", err, b)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) < 4 || lines[0] != "10.255.254.0/24 10.255.254.1" || lines[1] != "10.89.1.0/24" ||
			!strings.Contains(lines[2], "overlaps 10.89.0.0/24, in use on the host (podman0)") || lines[len(lines)-1] != "refused" {
			t.Errorf("subnets chosen:\n%s", b)
		}
		// Chosen once: the default network keeps its subnet when the host
		// changes.
		if got := out(e.MustPod("network", "inspect", "-f", "{{(index .Subnets 0).Subnet}}", "podman")); got != "10.255.254.0/24" {
			t.Errorf("default network outside the namespace: %s", got)
		}
		e.MustPod("network", "rm", "enfree")

		// Before podman's bridge is up (podman makes it when its first
		// container starts, on 10.88.0.0/16 whatever the host has), the
		// default network already stays off podman's subnet.
		f := NewEnv(t, false)
		cmd = exec.Command("unshare", "-n", "sh", "-c", fmt.Sprintf("%s --root %s --runroot %s network inspect -f '{{(index .Subnets 0).Subnet}}' podman", suite.pod, f.Root, f.RunRoot))
		cmd.Env = f.environ()
		if b, err = cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(b)) != "10.255.255.0/24" {
			t.Errorf("default network on a host without podman's bridge: %s (%v), want 10.255.255.0/24", b, err)
		}
	})
}

// A state DB that had to be started anew (corrupt) gets its networks back
// from their copies, with the attachments of the rebuilt containers: the
// network is still in use.
func TestNetworkSurvivesCorruptDB(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.121.14.0/24", "--label", "k=v", "enkeep")
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "enkeep") })
		e.MustPod("create", "--name", "enuser", "--network", "enkeep", img, "true")
		spoilDB(t, e)
		if got := out(e.MustPod("network", "inspect", "-f", "{{(index .Subnets 0).Subnet}} {{.Labels.k}}", "enkeep")); got != "10.121.14.0/24 v" {
			t.Errorf("network after the rebuild: %q", got)
		}
		e.Pod("network", "rm", "enkeep").Fails(t, 125, "network enkeep is in use by 1 container(s) (enuser)")
		e.MustPod("network", "rm", "-f", "enkeep")
	})
}
