package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Containers on one network reach each other; a container on another
// network does not reach them.
func TestNetworkIsolation(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.95.21.0/24", "isoa")
		e.MustPod("network", "create", "--subnet", "10.95.22.0/24", "isob")
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "isoa", "isob") })
		e.MustPod("run", "-d", "--name", "srv", "--network", "isob", "--ip", "10.95.22.10", img,
			"sh", "-c", "echo up > /i.html && exec httpd -f -p 80 -h /")
		// nc -w, not timeout: as the container's PID 1, nc would ignore
		// timeout's SIGTERM.
		probe := "for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 2 10.95.22.10 80 </dev/null && exit 0; sleep 0.3; done; exit 1"
		if r := e.Pod("run", "--rm", "--network", "isob", img, "sh", "-c", probe); r.Code != 0 {
			t.Fatalf("a container on the same network cannot reach srv: %d %s", r.Code, r.Stderr)
		}
		if r := e.Pod("run", "--rm", "--network", "isoa", img, "sh", "-c", "nc -w 2 10.95.22.10 80 </dev/null"); r.Code == 0 {
			t.Errorf("a container on another network reached srv")
		}
		// Connected to both, a container reaches srv over isob.
		e.MustPod("run", "-d", "--name", "both", "--network", "isoa", img, "sleep", "600")
		e.MustPod("network", "connect", "isob", "both")
		if r := e.Pod("exec", "both", "sh", "-c", probe); r.Code != 0 {
			t.Errorf("a container on both networks cannot reach srv: %d %s", r.Code, r.Stderr)
		}
		e.MustPod("rm", "-f", "-t", "0", "srv", "both")
	})
}

// sh runs a shell command as root, failing the test on error.
func sh(t *testing.T, cmd string) string {
	t.Helper()
	b, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, b)
	}
	return string(b)
}

// natRules are the iptables rules (filter and nat) of network name.
func natRules(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(sh(t, "iptables-save"), "\n") {
		if strings.Contains(l, `"pod network `+name+`"`) {
			out = append(out, l)
		}
	}
	return out
}

// A bridge network's outbound NAT: a container reaches an address behind
// another interface of the host, which has no route back to the
// container's subnet, so only a masqueraded connection gets its answer. The
// rules are the network's: written when it is first used, written again
// after a (simulated) reboot, removed with the network.
func TestNetworkOutboundNAT(t *testing.T) {
	asRoot(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// The "outside": a namespace behind a veth, 198.51.100.2.
		id := os.Getpid() % 100000
		ns, host, peer := fmt.Sprintf("podnat%d", id), fmt.Sprintf("pnh%d", id), fmt.Sprintf("pnp%d", id)
		sh(t, fmt.Sprintf("ip netns add %s && ip link add %s type veth peer name %s netns %s", ns, host, peer, ns))
		t.Cleanup(func() { exec.Command("ip", "link", "del", host).Run(); exec.Command("ip", "netns", "del", ns).Run() })
		sh(t, fmt.Sprintf("ip addr add 198.51.100.1/30 dev %s && ip link set %s up && "+
			"ip -n %s addr add 198.51.100.2/30 dev %s && ip -n %s link set %s up && ip -n %s link set lo up",
			host, host, ns, peer, ns, peer, ns))
		www := e.Path("outside")
		if err := os.MkdirAll(www, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(www, "index.html"), []byte("from-outside\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		srv := exec.Command("ip", "netns", "exec", ns, "busybox", "httpd", "-f", "-p", "8080", "-h", www)
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })

		get := "for i in 1 2 3 4 5 6 7 8 9 10; do timeout 5 wget -q -O- http://198.51.100.2:8080/ && exit 0; sleep 0.3; done; exit 1"
		e.MustPod("network", "create", "--subnet", "10.95.23.0/24", "natnet")
		e.MustPod("network", "create", "--internal", "--subnet", "10.95.24.0/24", "natint")
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "natnet", "natint") })
		if r := e.MustPod("run", "--rm", "--network", "natnet", img, "sh", "-c", get); out(r) != "from-outside" {
			t.Fatalf("outbound from natnet: %q", r.Stdout)
		}
		rules := natRules(t, "natnet")
		if len(rules) != 2 || !strings.Contains(strings.Join(rules, "\n"), "-A POSTROUTING -s 10.95.23.0/24") {
			t.Errorf("natnet's jumps: %q", rules)
		}
		// An internal network has no way out and no NAT.
		if r := e.Pod("run", "--rm", "--network", "natint", img, "sh", "-c", "timeout 5 wget -q -O- http://198.51.100.2:8080/; exit $?"); r.Code == 0 {
			t.Errorf("a container on an internal network reached the outside")
		}
		if rules := natRules(t, "natint"); len(rules) != 1 || !strings.Contains(rules[0], "-A FORWARD") {
			t.Errorf("natint's jumps: %q", rules)
		}

		// What a reboot leaves of the network on the host: nothing (the run
		// root here survives it). The next container writes the rules again.
		bridge := out(e.MustPod("network", "inspect", "--format", "{{.NetworkInterface}}", "natnet"))
		sh(t, "ip link del "+bridge)
		for _, r := range rules {
			table := "filter"
			if strings.Contains(r, "POSTROUTING") {
				table = "nat"
			}
			chain := r[strings.LastIndex(r, " ")+1:]
			sh(t, fmt.Sprintf("iptables -t %s %s && iptables -t %s -F %s && iptables -t %s -X %s",
				table, strings.Replace(r, "-A ", "-D ", 1), table, chain, table, chain))
		}
		if got := natRules(t, "natnet"); len(got) != 0 {
			t.Fatalf("rules left by the simulated reboot: %q", got)
		}
		if r := e.MustPod("run", "--rm", "--network", "natnet", img, "sh", "-c", get); out(r) != "from-outside" {
			t.Errorf("outbound after the simulated reboot: %q", r.Stdout)
		}
		if got := natRules(t, "natnet"); strings.Join(got, "\n") != strings.Join(rules, "\n") {
			t.Errorf("rules after the simulated reboot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(rules, "\n"))
		}
		// pod network reload writes them again over themselves: no duplicates.
		e.MustPod("run", "-d", "--name", "rl", "--network", "natnet", img, "sleep", "600")
		e.MustPod("network", "reload", "rl")
		if got := natRules(t, "natnet"); len(got) != 2 {
			t.Errorf("rules after network reload: %q", got)
		}
		e.MustPod("rm", "-f", "-t", "0", "rl")

		// network rm removes them: nothing mentions the subnets or the networks.
		e.MustPod("network", "rm", "natnet", "natint")
		for _, l := range strings.Split(sh(t, "iptables-save"), "\n") {
			if strings.Contains(l, "10.95.23.") || strings.Contains(l, "10.95.24.") || strings.Contains(l, "pod network nat") {
				t.Errorf("rule left after network rm: %s", l)
			}
		}
	})
}
