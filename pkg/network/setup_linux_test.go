package network

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containers/storage/pkg/reexec"
	"github.com/miekg/dns"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/nameserver"
	"github.com/pod-engine/pod/pkg/netns"
)

func TestMain(m *testing.M) {
	reexec.Register(nameserver.ReexecName, nameserver.Main)
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// sandbox is a private "host" network namespace with its own manager, so the
// test sees exactly the links and iptables rules it causes, whatever else
// runs on the machine.
type sandbox struct {
	t    *testing.T
	dir  string
	host string
	m    *Manager
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	for _, bin := range []string{"/usr/lib/cni/bridge", "iptables-save", "ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s", bin)
		}
	}
	dir := t.TempDir()
	s := &sandbox{t: t, dir: dir, host: filepath.Join(dir, "ns", "host")}
	if err := netns.Create(s.host); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// A failed test may leave name servers running: end them.
		dirs, _ := filepath.Glob(filepath.Join(dir, "run", "dns", "*"))
		for _, d := range dirs {
			nameserver.Dir(d).Stop()
		}
		netns.Remove(s.host)
	})
	s.m = NewManager(Paths{ConfigDir: filepath.Join(dir, "networks"), RunDir: filepath.Join(dir, "run"),
		IPAMDB: filepath.Join(dir, "ipam.db"), IPAMDir: filepath.Join(dir, "ipam")}, testDB(t, dir))
	return s
}

// in runs fn in the sandbox's host namespace.
func (s *sandbox) in(fn func() error) {
	s.t.Helper()
	if err := netns.Do(s.host, fn); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sandbox) newNetns(name string) string {
	p := filepath.Join(s.dir, "ns", name)
	if err := netns.Create(p); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { netns.Remove(p) })
	return p
}

var counters = regexp.MustCompile(`\[\d+:\d+\]`)

// snapshot is `ip -o link` names and iptables-save rules, without counters
// and comments.
func (s *sandbox) snapshot() string {
	var out strings.Builder
	s.in(func() error {
		links, err := exec.Command("ip", "-o", "link", "show").Output()
		if err != nil {
			return err
		}
		for _, l := range strings.Split(strings.TrimSpace(string(links)), "\n") {
			f := strings.Fields(l)
			if len(f) > 1 {
				fmt.Fprintln(&out, "link", strings.Split(f[1], "@")[0])
			}
		}
		rules, err := exec.Command("iptables-save").Output()
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(rules), "\n") {
			if !strings.HasPrefix(l, "#") {
				fmt.Fprintln(&out, counters.ReplaceAllString(l, ""))
			}
		}
		return nil
	})
	return out.String()
}

func lookup(t *testing.T, ctrNS, server, name string, qtype uint16) []dns.RR {
	t.Helper()
	var resp *dns.Msg
	err := netns.Do(ctrNS, func() error {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), qtype)
		var err error
		resp, _, err = (&dns.Client{Timeout: 3 * time.Second}).Exchange(m, net.JoinHostPort(server, "53"))
		return err
	})
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	return resp.Answer
}

func TestSetupTeardownBridge(t *testing.T) {
	s := newSandbox(t)
	ctx := context.Background()
	var n *Network
	s.in(func() (err error) {
		n, err = s.m.Create(ctx, CreateOptions{Name: "testnet", Subnets: []string{"10.99.0.0/24"}})
		return err
	})
	if !n.DNSEnabled || n.NetworkInterface != "pod1" || n.Subnets[0].Gateway != "10.99.0.1" {
		t.Fatalf("created %+v", n)
	}
	web := Container{ID: strings.Repeat("a", 64), Names: []string{"web"}}
	client := Container{ID: strings.Repeat("b", 64), Names: []string{"client"}}
	webNS, clientNS := s.newNetns("web"), s.newNetns("client")
	webAtt := []Attachment{{Network: "testnet", Aliases: []string{"www"}, IP: "10.99.0.10", MAC: "02:42:0a:63:00:0a"}}
	clientAtt := []Attachment{{Network: "testnet"}}
	ports := []PortMapping{{HostPort: 18080, ContainerPort: 80, Protocol: "tcp"}}

	cycle := func(check bool) {
		var st Status
		s.in(func() (err error) {
			if st, err = s.m.Setup(ctx, web, webNS, webAtt, ports); err != nil {
				return err
			}
			_, err = s.m.Setup(ctx, client, clientNS, clientAtt, nil)
			return err
		})
		if check {
			got := st["testnet"]
			if got.Name != "eth0" || len(got.IPs) != 1 || got.IPs[0] != "10.99.0.10/24" || got.MAC != "02:42:0a:63:00:0a" || got.Gateways[0] != "10.99.0.1" {
				t.Errorf("status %+v", got)
			}
			// An HTTP server in the web container, reached through the
			// published port on the host's loopback.
			var l net.Listener
			if err := netns.Do(webNS, func() (err error) { l, err = net.Listen("tcp", ":80"); return err }); err != nil {
				t.Fatal(err)
			}
			go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello from web") }))
			s.in(func() error {
				// Dial here: http.Transport would dial from another
				// goroutine, outside this namespace.
				c, err := net.DialTimeout("tcp", "127.0.0.1:18080", 5*time.Second)
				if err != nil {
					return fmt.Errorf("dial published port: %w", err)
				}
				defer c.Close()
				req, _ := http.NewRequest("GET", "http://127.0.0.1:18080/", nil)
				req.Close = true
				if err := req.Write(c); err != nil {
					return err
				}
				resp, err := http.ReadResponse(bufio.NewReader(c), req)
				if err != nil {
					return fmt.Errorf("GET published port: %w", err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != "hello from web" {
					t.Errorf("published port answered %q", b)
				}
				return nil
			})
			// The client resolves web by name, alias and FQDN, and reaches it.
			for _, name := range []string{"web", "www", "WEB.dns.pod"} {
				ans := lookup(t, clientNS, "10.99.0.1", name, dns.TypeA)
				if len(ans) != 1 || ans[0].(*dns.A).A.String() != "10.99.0.10" {
					t.Errorf("%s resolved to %v", name, ans)
				}
			}
			if ans := lookup(t, clientNS, "10.99.0.1", "10.0.99.10.in-addr.arpa", dns.TypePTR); len(ans) != 1 || ans[0].(*dns.PTR).Ptr != "web.dns.pod." {
				t.Errorf("reverse lookup: %v", ans)
			}
			err := netns.Do(clientNS, func() error {
				c, err := net.DialTimeout("tcp", "10.99.0.10:80", 5*time.Second)
				if err == nil {
					c.Close()
				}
				return err
			})
			if err != nil {
				t.Errorf("client -> web: %v", err)
			}
			l.Close()
		}
		s.in(func() error {
			return errors.Join(s.m.Teardown(ctx, web, webNS, webAtt, ports), s.m.Teardown(ctx, client, clientNS, clientAtt, nil))
		})
	}
	// The first cycle leaves portmap's shared chains (CNI-HOSTPORT-*), the
	// bridge and the network's own rules; a second one must add nothing.
	cycle(false)
	before := s.snapshot()
	for _, want := range []string{
		"-A POSTROUTING -s 10.99.0.0/24 -m comment --comment \"pod network testnet\" -j POD-NAT-",
		"-A FORWARD -m comment --comment \"pod network testnet\" -j POD-FWD-",
		"-s 10.99.0.0/24 -j ACCEPT",
		"! -d 224.0.0.0/4 -j MASQUERADE",
	} {
		if strings.Count(before, want) != 1 {
			t.Errorf("want one rule like %q in:\n%s", want, before)
		}
	}
	// No per-container rules: neither the bridge plugin's ipMasq chains
	// nor the firewall plugin's.
	for _, not := range []string{"10.99.0.10", "CNI-FORWARD", strings.Repeat("a", 12)} {
		if strings.Contains(before, not) {
			t.Errorf("per-container rule (%s) left:\n%s", not, before)
		}
	}
	cycle(true)
	if after := s.snapshot(); after != before {
		t.Errorf("teardown left changes:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	leases, _ := filepath.Glob(filepath.Join(s.dir, "ipam", "testnet", "10.*"))
	if len(leases) != 0 {
		t.Errorf("IPAM leases left: %v", leases)
	}
	if pid := s.m.dnsDir(n).Running(); pid != 0 {
		t.Errorf("name server %d still runs with no container", pid)
	}
	// Teardown again (a repeated cleanup) and after the namespace is gone.
	s.in(func() error { return s.m.Teardown(ctx, web, webNS, webAtt, ports) })
	netns.Remove(webNS)
	s.in(func() error { return s.m.Teardown(ctx, web, webNS, webAtt, ports) })
	// After a reboot the namespace file is a bare file, not a namespace.
	if err := os.WriteFile(webNS, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	s.in(func() error { return s.m.Teardown(ctx, web, webNS, webAtt, ports) })
	// Removing the network removes its bridge and its rules.
	s.in(func() error { _, err := s.m.Remove(ctx, "testnet"); return err })
	after := s.snapshot()
	if strings.Contains(after, "link pod1") {
		t.Error("bridge pod1 left after network rm")
	}
	if strings.Contains(after, "10.99.0") || strings.Contains(after, "POD-") {
		t.Errorf("rules left after network rm:\n%s", after)
	}
}

func TestSetupFailureLeavesNothing(t *testing.T) {
	s := newSandbox(t)
	ctx := context.Background()
	s.in(func() error {
		_, err := s.m.Create(ctx, CreateOptions{Name: "n1", Subnets: []string{"10.98.0.0/24"}, DisableDNS: true})
		return err
	})
	c := Container{ID: strings.Repeat("c", 64)}
	ns := s.newNetns("c")
	// Warm up the shared chains, then fail: a second network with an
	// address taken by the first attachment.
	s.in(func() error {
		if _, err := s.m.Setup(ctx, c, ns, []Attachment{{Network: "n1"}}, nil); err != nil {
			return err
		}
		return s.m.Teardown(ctx, c, ns, []Attachment{{Network: "n1"}}, nil)
	})
	before := s.snapshot()
	var err error
	s.in(func() error {
		_, err = s.m.Setup(ctx, c, ns, []Attachment{{Network: "n1"}, {Network: "n1", InterfaceName: "eth0"}}, nil)
		return nil
	})
	if err == nil {
		t.Fatal("Setup with two interfaces named eth0 succeeded")
	}
	if after := s.snapshot(); after != before {
		t.Errorf("failed Setup left changes:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	s.in(func() error {
		_, err = s.m.Setup(ctx, c, ns, []Attachment{{Network: "nope"}}, nil)
		return nil
	})
	if !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("unknown network: %v", err)
	}
	s.in(func() error {
		_, err = s.m.Setup(ctx, c, ns, []Attachment{{Network: "n1", IP: "10.1.2.3"}}, nil)
		return nil
	})
	if !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Errorf("IP outside subnet: %v", err)
	}
}

// dial reports whether a TCP connection from namespace ns to addr succeeds.
func dial(t *testing.T, ns, addr string) error {
	t.Helper()
	return netns.Do(ns, func() error {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// listen serves TCP connections on addr in namespace ns until the test ends.
func listen(t *testing.T, ns, addr string) {
	t.Helper()
	var l net.Listener
	if err := netns.Do(ns, func() (err error) { l, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

func TestNetworksIsolatedAndRulesPerNetwork(t *testing.T) {
	s := newSandbox(t)
	ctx := context.Background()
	s.in(func() error {
		_, err := s.m.Create(ctx, CreateOptions{Name: "na", Subnets: []string{"10.96.1.0/24"}, DisableDNS: true})
		if err == nil {
			_, err = s.m.Create(ctx, CreateOptions{Name: "nb", Subnets: []string{"10.96.2.0/24", "fd00:96:2::/64"}, DisableDNS: true})
		}
		return err
	})
	a1, a2, b := Container{ID: strings.Repeat("1", 64)}, Container{ID: strings.Repeat("2", 64)}, Container{ID: strings.Repeat("3", 64)}
	a1NS, a2NS, bNS := s.newNetns("a1"), s.newNetns("a2"), s.newNetns("b")
	s.in(func() error {
		_, err := s.m.Setup(ctx, a1, a1NS, []Attachment{{Network: "na", IP: "10.96.1.10"}}, nil)
		if err == nil {
			_, err = s.m.Setup(ctx, a2, a2NS, []Attachment{{Network: "na"}}, nil)
		}
		if err == nil {
			_, err = s.m.Setup(ctx, b, bNS, []Attachment{{Network: "nb", IP: "10.96.2.10"}}, nil)
		}
		return err
	})
	listen(t, a1NS, ":80")
	listen(t, bNS, ":80")
	if err := dial(t, a2NS, "10.96.1.10:80"); err != nil {
		t.Errorf("container to container on one network: %v", err)
	}
	if err := dial(t, a2NS, "10.96.2.10:80"); err == nil {
		t.Error("a container on na reached one on nb")
	}
	if err := dial(t, bNS, "10.96.1.10:80"); err == nil {
		t.Error("a container on nb reached one on na")
	}

	// ip6tables only for the network with an IPv6 subnet.
	var v6 string
	s.in(func() error {
		out, err := exec.Command("ip6tables-save").Output()
		v6 = string(out)
		return err
	})
	if !strings.Contains(v6, "-A POSTROUTING -s fd00:96:2::/64") || strings.Contains(v6, "pod network na") {
		t.Errorf("ip6tables rules:\n%s", v6)
	}

	// The rules as the host has them after a reboot: no bridge, no chains.
	// The next container on the network writes them again, once.
	before := s.snapshot()
	na, _ := s.m.Inspect(ctx, "na")
	s.in(func() error {
		if err := removeBridge(na.NetworkInterface); err != nil {
			return err
		}
		for _, f := range families[:1] {
			if err := f.remove(ctx, na); err != nil {
				return err
			}
		}
		return nil
	})
	if gone := s.snapshot(); strings.Contains(gone, "pod network na") {
		t.Fatalf("rules of na not removed:\n%s", gone)
	}
	s.in(func() error {
		if err := s.m.Teardown(ctx, a1, a1NS, []Attachment{{Network: "na", IP: "10.96.1.10"}}, nil); err != nil {
			return err
		}
		_, err := s.m.Setup(ctx, a1, a1NS, []Attachment{{Network: "na", IP: "10.96.1.10"}}, nil)
		return err
	})
	// Compare rules, not links (the bridge is a new device), and not their
	// order (na's jump now comes first).
	rules := func(snap string) string {
		var out []string
		for _, l := range strings.Split(snap, "\n") {
			if !strings.HasPrefix(l, "link ") {
				out = append(out, l)
			}
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	if after := s.snapshot(); rules(after) != rules(before) {
		t.Errorf("rules after the simulated reboot:\n%s\nwant:\n%s", after, before)
	}
	// Writing them again over existing ones (network reload) adds nothing.
	s.in(func() error {
		if err := s.m.ReloadRules("na", "nb"); err != nil {
			return err
		}
		if err := s.m.Teardown(ctx, a2, a2NS, []Attachment{{Network: "na"}}, nil); err != nil {
			return err
		}
		_, err := s.m.Setup(ctx, a2, a2NS, []Attachment{{Network: "na"}}, nil)
		return err
	})
	if after := s.snapshot(); rules(after) != rules(before) {
		t.Errorf("rules after a reload:\n%s\nwant:\n%s", after, before)
	}
}

// A container attached by an older pod, whose chain had the bridge
// plugin's ipMasq and the firewall plugin, is torn down completely.
func TestTeardownOfOlderChain(t *testing.T) {
	s := newSandbox(t)
	ctx := context.Background()
	var n *Network
	s.in(func() (err error) {
		n, err = s.m.Create(ctx, CreateOptions{Name: "old", Subnets: []string{"10.96.3.0/24"}, DisableDNS: true})
		return err
	})
	c := Container{ID: strings.Repeat("d", 64)}
	ns := s.newNetns("d")
	att := []Attachment{{Network: "old"}}
	s.in(func() error {
		b, err := conflistBytes(n, s.m.paths)
		if err != nil {
			return err
		}
		list, err := libcni.ConfListFromBytes(b)
		if err != nil {
			return err
		}
		if _, err := s.m.cni().AddNetworkList(ctx, list, runtimeConf(c, ns, att[0], 0, nil)); err != nil {
			return err
		}
		return nil
	})
	if mid := s.snapshot(); !strings.Contains(mid, "CNI-FORWARD") || !strings.Contains(mid, "10.96.3.2/32") {
		t.Fatalf("the older chain added no per-container rules:\n%s", mid)
	}
	s.in(func() error { return s.m.Teardown(ctx, c, ns, att, nil) })
	after := s.snapshot()
	for _, l := range strings.Split(after, "\n") {
		if strings.Contains(l, "10.96.3.2") || strings.Contains(l, strings.Repeat("d", 12)) {
			t.Errorf("per-container rule left: %s", l)
		}
	}
	if leases, _ := filepath.Glob(filepath.Join(s.dir, "ipam", "old", "10.*")); len(leases) != 0 {
		t.Errorf("IPAM leases left: %v", leases)
	}
}

// A network with a VLAN option runs the plugin chain for each container;
// its teardown leaves nothing of the container's either.
func TestSetupTeardownVLANChain(t *testing.T) {
	s := newSandbox(t)
	ctx := context.Background()
	s.in(func() error {
		_, err := s.m.Create(ctx, CreateOptions{Name: "vl", Subnets: []string{"10.96.4.0/24"}, DisableDNS: true, Options: map[string]string{"vlan": "10"}})
		return err
	})
	c := Container{ID: strings.Repeat("e", 64)}
	ns := s.newNetns("e")
	att := []Attachment{{Network: "vl", MAC: "02:42:0a:60:04:09"}}
	var st Status
	var err error
	s.in(func() error {
		st, err = s.m.Setup(ctx, c, ns, att, []PortMapping{{HostPort: 18081, ContainerPort: 80, Protocol: "tcp"}})
		return nil
	})
	if err != nil && strings.Contains(err.Error(), "operation not supported") {
		t.Skipf("this kernel has no VLAN filtering on bridges: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := st["vl"]; len(got.IPs) != 1 || got.MAC != "02:42:0a:60:04:09" {
		t.Errorf("status %+v", got)
	}
	if mid := s.snapshot(); !strings.Contains(mid, "18081") {
		t.Errorf("no port rule:\n%s", mid)
	}
	s.in(func() error {
		return s.m.Teardown(ctx, c, ns, att, []PortMapping{{HostPort: 18081, ContainerPort: 80, Protocol: "tcp"}})
	})
	if after := s.snapshot(); strings.Contains(after, "18081") || strings.Contains(after, "10.96.4.2") {
		t.Errorf("left after teardown:\n%s", after)
	}
	if leases, _ := filepath.Glob(filepath.Join(s.dir, "ipam", "vl", "10.*")); len(leases) != 0 {
		t.Errorf("IPAM leases left: %v", leases)
	}
}

// macvlan and ipvlan networks run their CNI plugins, with the addresses
// pod leased handed over by the static IPAM plugin; teardown gives them
// back.
func TestSetupTeardownPluginDrivers(t *testing.T) {
	for _, driver := range []string{DriverMacvlan, DriverIPvlan} {
		t.Run(driver, func(t *testing.T) {
			s := newSandbox(t)
			ctx := context.Background()
			if _, err := exec.LookPath("/usr/lib/cni/" + driver); err != nil {
				t.Skipf("needs the %s plugin", driver)
			}
			// The parent: one end of a veth pair in the sandbox's host.
			s.in(func() error {
				return exec.Command("ip", "link", "add", "enparent0", "type", "veth", "peer", "name", "enparent1").Run()
			})
			s.in(func() error { return exec.Command("ip", "link", "set", "enparent0", "up").Run() })
			var n *Network
			s.in(func() (err error) {
				n, err = s.m.Create(ctx, CreateOptions{Name: "en" + driver, Driver: driver, Subnets: []string{"10.131.20.0/24"},
					Options: map[string]string{"parent": "enparent0"}})
				return err
			})
			if driverOf(n) != driverPlugins {
				t.Fatalf("%s network not attached by plugins", driver)
			}
			c := Container{ID: strings.Repeat("f", 64)}
			ns := s.newNetns("f")
			att := []Attachment{{Network: n.Name, IP: "10.131.20.7"}}
			var st Status
			var err error
			s.in(func() error { st, err = s.m.Setup(ctx, c, ns, att, nil); return nil })
			if err != nil && strings.Contains(err.Error(), "operation not supported") {
				// This kernel lacks the driver; the failed set-up gave
				// its lease back.
				if holders, herr := s.m.LeaseHolders(ctx); herr != nil || len(holders) != 0 {
					t.Errorf("leases after a failed set-up: %v, %v", holders, herr)
				}
				t.Skipf("this kernel cannot make %s links: %v", driver, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := st[n.Name]; len(got.IPs) != 1 || got.IPs[0] != "10.131.20.7/24" {
				t.Fatalf("status %+v", got)
			}
			var addrs string
			netns.Do(ns, func() error {
				b, _ := exec.Command("ip", "-o", "-4", "addr", "show", "eth0").Output()
				addrs = string(b)
				return nil
			})
			if !strings.Contains(addrs, "10.131.20.7/24") {
				t.Errorf("eth0 in the container: %q", addrs)
			}
			holders, err := s.m.LeaseHolders(ctx)
			if err != nil || len(holders) != 1 || holders[0] != c.ID {
				t.Fatalf("lease holders %v, %v", holders, err)
			}
			s.in(func() error { return s.m.Teardown(ctx, c, ns, att, nil) })
			netns.Do(ns, func() error {
				if _, err := net.InterfaceByName("eth0"); err == nil {
					t.Error("eth0 left in the container after teardown")
				}
				return nil
			})
			if holders, err := s.m.LeaseHolders(ctx); err != nil || len(holders) != 0 {
				t.Errorf("leases left: %v, %v", holders, err)
			}
		})
	}
}
