package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestNetworkDefine(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		// The default network is listed before its first use.
		if got := e.MustPod("network", "ls", "-q").Lines(); len(got) != 1 || got[0] != "podman" {
			t.Fatalf("network ls -q on a fresh install: %q", got)
		}
		r := e.MustPod("network", "create", "--subnet", "10.97.0.0/24", "--gateway", "10.97.0.254",
			"--ip-range", "10.97.0.128/25", "--label", "env=test", "-o", "mtu=1400", "backend")
		if strings.TrimSpace(r.Stdout) != "backend" {
			t.Fatalf("create printed %q", r.Stdout)
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

// freePort is a TCP port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// httpGet fetches url, retrying while the server in the container is still
// starting (connection refused or reset) until ctx's deadline.
func httpGet(t *testing.T, url string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := client.Do(req)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
			}
			return string(b), rerr
		}
		select {
		case <-ctx.Done():
			return "", err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestNetworkPublishedPort(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		port := freePort(t)
		e.MustPod("run", "-d", "--name", "web", "-p", fmt.Sprintf("%d:80", port), img,
			"sh", "-c", "mkdir /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 80 -h /www")
		body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil || body != "hello-from-pod\n" {
			t.Fatalf("GET published port: %q, %v", body, err)
		}
		// And as a user checks it, with curl on the host's loopback.
		if b, err := exec.Command("curl", "-sS", "--max-time", "30", fmt.Sprintf("http://127.0.0.1:%d/", port)).CombinedOutput(); err != nil || string(b) != "hello-from-pod\n" {
			t.Fatalf("curl published port: %q, %v", b, err)
		}
		if got := out(e.MustPod("port", "web")); got != fmt.Sprintf("80/tcp -> 0.0.0.0:%d", port) {
			t.Errorf("pod port web: %q", got)
		}
		if got := out(e.MustPod("port", "web", "80/tcp")); got != fmt.Sprintf("0.0.0.0:%d", port) {
			t.Errorf("pod port web 80/tcp: %q", got)
		}
		// The protocol in any case, as Docker reads it.
		if got := out(e.MustPod("port", "web", "80/TCP")); got != fmt.Sprintf("0.0.0.0:%d", port) {
			t.Errorf("pod port web 80/TCP: %q", got)
		}
		e.Pod("port", "web", "70000").Fails(t, 125, `invalid port "70000"`)
		if got := out(e.MustPod("ps", "--filter", "name=web", "--format", "{{.Ports}}")); got != fmt.Sprintf("0.0.0.0:%d->80/tcp", port) {
			t.Errorf("ps PORTS: %q", got)
		}
		// The same through a user-defined bridge network (rootless: inside
		// the user's namespace for bridges, forwarded by the port driver).
		// Each half its own subnet: pod refuses one that the other half's
		// bridge routes on the host, and the halves run at the same time
		// (in the VM as two processes, root's and the user's).
		subnet := "10.95.9.0/24"
		if e.Rootless() {
			subnet = "10.131.9.0/24"
		}
		e.MustPod("network", "create", "--subnet", subnet, "pubnet")
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "pubnet") })
		port2 := freePort(t)
		e.MustPod("run", "-d", "--name", "web2", "--network", "pubnet", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port2), img,
			"sh", "-c", "mkdir /www && echo hello-from-pubnet > /www/index.html && exec httpd -f -p 8080 -h /www")
		body, err = httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port2))
		if err != nil || body != "hello-from-pubnet\n" {
			t.Fatalf("GET port published from a user network: %q, %v", body, err)
		}
		e.MustPod("network", "rm", "-f", "pubnet")
		// The same host port again: one line, exit 125, nothing left running.
		e.Pod("run", "--rm", "-p", fmt.Sprintf("%d:80", port), img, "true").Fails(t, 125, fmt.Sprintf("host port %d/tcp is already", port))
		// A port bound by a host process is refused too.
		l, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		bound := l.Addr().(*net.TCPAddr).Port
		e.Pod("run", "--rm", "-p", fmt.Sprintf("%d:80", bound), img, "true").Fails(t, 125, fmt.Sprintf("host port %d/tcp is already bound on the host", bound))
		l.Close()
		e.Pod("run", "--rm", "-p", "70000:80", img, "true").Fails(t, 125, `invalid --publish "70000:80": invalid hostPort: 70000`)
		e.Pod("run", "--rm", "-p", "80", "--network", "none", img, "true").Fails(t, 125, "cannot publish ports")

		// kill, then rm: the port must be freed by the exit's cleanup.
		e.MustPod("kill", "web")
		e.MustPod("wait", "web")
		e.MustPod("rm", "web")
		// Removed, the port is free again and nothing of the run is left.
		if l, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", port)); err != nil {
			t.Errorf("host port still taken after rm: %v", err)
		} else {
			l.Close()
		}
		if entries, _ := os.ReadDir(filepath.Join(e.RunRoot, "netns")); len(entries) != 0 {
			t.Errorf("network namespaces left: %v", entries)
		}
	})
}

// hostState is what teardown must leave as it found: the names of links
// and the iptables rules mentioning any of marks (container IDs, subnets).
func hostState(t *testing.T, marks ...string) (links map[string]bool, rules []string) {
	t.Helper()
	links = map[string]bool{}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		links[i.Name] = true
	}
	b, err := exec.Command("iptables-save").Output()
	if err != nil {
		t.Fatalf("iptables-save: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		for _, m := range marks {
			if m != "" && strings.Contains(l, m) {
				rules = append(rules, l)
				break
			}
		}
	}
	return links, rules
}

func TestNetworkNameResolution(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.95.7.0/24", "e2enet")
		e.MustPod("network", "create", "--subnet", "10.95.8.0/24", "e2eother")
		// Bridges are the host's: gone even if the test fails half-way.
		t.Cleanup(func() { e.Pod("network", "rm", "-f", "e2enet", "e2eother") })
		srv := out(e.MustPod("run", "-d", "--name", "srv", "--network", "e2enet", "--network-alias", "db", "--ip", "10.95.7.50", img,
			"sh", "-c", "mkdir /www && echo from-srv > /www/index.html && exec httpd -f -p 80 -h /www"))
		// By name and by alias, through the network's name server; and TCP.
		r := e.MustPod("run", "--rm", "--network", "e2enet", img, "sh", "-c",
			"cat /etc/resolv.conf; nslookup srv; nslookup db; for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://srv/ && break; sleep 0.3; done")
		for _, want := range []string{"nameserver 10.95.7.1", "search dns.pod", "Address: 10.95.7.50", "from-srv"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("client output lacks %q:\n%s", want, r.Stdout)
			}
		}
		if n := strings.Count(r.Stdout, "Address: 10.95.7.50"); n != 2 {
			t.Errorf("srv and db should both resolve to 10.95.7.50:\n%s", r.Stdout)
		}
		// The default network has no name resolution, as Docker's bridge.
		r = e.Pod("run", "--rm", img, "sh", "-c", "cat /etc/resolv.conf; nslookup srv 10.88.0.1")
		if r.Code == 0 || strings.Contains(r.Stdout, "10.95.7.50") || strings.Contains(r.Stdout, "dns.pod") {
			t.Errorf("srv resolved on the default network:\n%s", r.Stdout)
		}
		// connect gives a running container a second interface; a container
		// on the other network then reaches it by name.
		e.MustPod("network", "connect", "--alias", "srv2", "e2eother", "srv")
		r = e.MustPod("run", "--rm", "--network", "e2eother", img, "sh", "-c", "nslookup srv2 && wget -q -O- http://srv2/")
		if !strings.Contains(r.Stdout, "from-srv") {
			t.Errorf("srv over its second network:\n%s", r.Stdout)
		}
		links := func() string {
			// Through pod unshare: rootless, the namespace file is mounted
			// in the user's mount namespace only.
			args := []string{"nsenter", "--net=" + filepath.Join(e.RunRoot, "netns", "pod-"+srv), "ip", "-o", "-br", "link"}
			if e.Rootless() {
				return e.MustPod(append([]string{"unshare"}, args...)...).Stdout
			}
			b, err := exec.Command(args[0], args[1:]...).Output()
			if err != nil {
				t.Fatalf("links of srv: %v", err)
			}
			return string(b)
		}
		if got := links(); !strings.Contains(got, "eth1@") || !strings.Contains(got, "eth0@") {
			t.Errorf("links of srv after connect:\n%s", got)
		}
		e.MustPod("network", "disconnect", "e2eother", "srv")
		if got := links(); strings.Contains(got, "eth1@") {
			t.Errorf("eth1 still there after disconnect:\n%s", got)
		}
		if got := e.MustPod("network", "reload", "srv").Lines(); len(got) != 1 || got[0] != srv {
			t.Errorf("reload printed %q", got)
		}
		r = e.MustPod("run", "--rm", "--network", "e2enet", img, "wget", "-q", "-O-", "http://10.95.7.50/")
		if !strings.Contains(r.Stdout, "from-srv") {
			t.Errorf("srv after reload:\n%s", r.Stdout)
		}
		// A network in use is not removed without -f; with -f its
		// containers go too.
		// As root, the bridge and its ports (the host ends of the veths)
		// are the host's: note them to check they go.
		var ours []string
		if !e.Rootless() {
			bridge := out(e.MustPod("network", "inspect", "--format", "{{.NetworkInterface}}", "e2enet"))
			ports, _ := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif"))
			if len(ports) == 0 {
				t.Errorf("bridge %s has no ports while srv runs", bridge)
			}
			ours = append(ours, bridge)
			for _, p := range ports {
				ours = append(ours, p.Name())
			}
		}
		e.Pod("network", "rm", "e2enet").Fails(t, 125, "is in use by 1 container(s) (srv)")
		e.MustPod("network", "rm", "-f", "e2enet", "e2eother")
		if r := e.Pod("container", "exists", "srv"); r.Code != 1 {
			t.Errorf("network rm -f left container srv")
		}
		// Nothing left: links, iptables rules, name servers, leases.
		linksAfter, rules := hostState(t, srv, "10.95.7.", "10.95.8.")
		for _, l := range ours {
			if linksAfter[l] {
				t.Errorf("link %s left", l)
			}
		}
		if len(rules) > 0 {
			t.Errorf("iptables rules left:\n%s", strings.Join(rules, "\n"))
		}
		if out, _ := exec.Command("pgrep", "-f", "pod-nameserver "+e.RunRoot).Output(); len(out) > 0 {
			t.Errorf("name server still runs: %s", out)
		}
		leaseDir := "/var/lib/cni/networks/e2enet"
		if e.Rootless() {
			leaseDir = filepath.Join(e.RunRoot, "networks", "ipam", "e2enet")
			// The user's namespace for bridge networks goes with the last
			// container using it.
			if entries, _ := os.ReadDir(filepath.Join(e.RunRoot, "netns")); len(entries) != 0 {
				t.Errorf("network namespaces left: %v", entries)
			}
			if out, _ := exec.Command("pgrep", "-f", "pod-slirp "+e.RunRoot).Output(); len(out) > 0 {
				t.Errorf("slirp4netns helpers still run: %s", out)
			}
			// Without published ports slirp4netns runs without a helper.
			if out, _ := exec.Command("pgrep", "-f", "slirp4netns .*"+e.RunRoot).Output(); len(out) > 0 {
				t.Errorf("slirp4netns still runs: %s", out)
			}
		}
		if leases, _ := filepath.Glob(filepath.Join(leaseDir, "10.*")); len(leases) > 0 {
			t.Errorf("host-local leases written: %v", leases)
		}
		if got := leasesOf(t, e, srv); got != 0 {
			t.Errorf("srv's address leases left: %d", got)
		}
	})
}

func TestNetworkModesAndBadInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// The default network: one interface besides lo, and a route out.
		r := e.MustPod("run", "--rm", img, "sh", "-c", "ls /sys/class/net; ip route")
		ifs := strings.Fields(strings.Split(r.Stdout, "default")[0])
		if len(ifs) < 2 || !strings.Contains(r.Stdout, "default via") {
			t.Errorf("default network: %q", r.Stdout)
		}
		if got := out(e.MustPod("run", "--rm", "--network", "none", img, "ls", "/sys/class/net")); got != "lo" {
			t.Errorf("--network none: interfaces %q, want only lo", got)
		}
		// Other containers' veths come and go meanwhile: compare the rest.
		hostIfs, _ := net.Interfaces()
		var want []string
		for _, i := range hostIfs {
			if !strings.HasPrefix(i.Name, "veth") {
				want = append(want, i.Name)
			}
		}
		sort.Strings(want)
		r = e.MustPod("run", "--rm", "--network", "host", img, "ls", "/sys/class/net")
		var got []string
		for _, l := range r.Lines() {
			if !strings.HasPrefix(l, "veth") {
				got = append(got, l)
			}
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("--network host sees interfaces %v, the host has %v", got, want)
		}
		r = e.MustPod("run", "--rm", "--dns", "192.0.2.53", "--dns-search", "example.test", "--dns-option", "ndots:3",
			"--add-host", "db.test:192.0.2.7", img, "cat", "/etc/resolv.conf", "/etc/hosts")
		for _, want := range []string{"nameserver 192.0.2.53", "search example.test", "options ndots:3", "192.0.2.7\tdb.test"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("--dns/--add-host: no %q in:\n%s", want, r.Stdout)
			}
		}
		// container:NAME shares another container's namespace (its loopback).
		e.MustPod("run", "-d", "--name", "web", img, "sh", "-c", "echo shared > /index.html && exec httpd -f -p 80 -h /")
		r = e.MustPod("run", "--rm", "--network", "container:web", img, "sh", "-c",
			"for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://127.0.0.1/ && break; sleep 0.3; done")
		if out(r) != "shared" {
			t.Errorf("--network container:web got %q", r.Stdout)
		}
		e.MustPod("kill", "web")
		e.MustPod("wait", "web")
		e.MustPod("rm", "web")
		e.Pod("run", "--rm", "--network", "nosuchnet", img, "true").Fails(t, 125, "unable to find network with name or ID nosuchnet")
		e.Pod("run", "--rm", "--network", "none", "--network", "host", img, "true").Fails(t, 125, "cannot be combined")
		e.Pod("run", "--rm", "--add-host", "bad", img, "true").Fails(t, 125, "invalid --add-host")
		e.Pod("run", "--rm", "--dns", "not-an-ip", img, "true").Fails(t, 125, "invalid --dns")
		if got := e.MustPod("ps", "-aq").Lines(); len(got) != 0 {
			t.Errorf("failed runs left containers: %q", got)
		}
		if entries, _ := os.ReadDir(filepath.Join(e.RunRoot, "netns")); len(entries) != 0 {
			t.Errorf("network namespaces left: %v", entries)
		}
		// Rootless, the default network's slirp4netns ends with each run.
		if out, _ := exec.Command("pgrep", "-f", "slirp4netns .*"+e.RunRoot).Output(); len(out) > 0 {
			t.Errorf("slirp4netns still runs: %s", out)
		}
	})
}

// TestPortPublishForms checks the -p forms pod takes, parsed by
// go-connections' nat as Docker does: ranges, protocols in any case, IPv6
// addresses with and without brackets. Create records them without binding
// anything; inspect shows the container ports (the host side is a running
// container's, and is covered by the unit tests and
// TestNetworkPublishedPort). Ports are from this test's own range
// (34300-34399).
func TestPortPublishForms(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		for _, tc := range []struct {
			publish []string
			want    string // inspect's container ports, sorted
		}{
			{[]string{"34300:80/udp"}, "80/udp"},
			{[]string{"34301-34302:80-81"}, "80/tcp 81/tcp"},
			{[]string{"127.0.0.1:34303:80/UDP"}, "80/udp"},
			{[]string{"0.0.0.0:34304:80"}, "80/tcp"},
			{[]string{"[::1]:34305:80"}, "80/tcp"},
			{[]string{"::1:34306:80/sctp"}, "80/sctp"},
			{[]string{"127.0.0.1::80", "34307:80/udp"}, "80/tcp 80/udp"},
		} {
			args := []string{"create", "--name", "forms"}
			for _, p := range tc.publish {
				args = append(args, "-p", p)
			}
			e.MustPod(append(args, img, "true")...)
			r := e.MustPod("inspect", "--format", "{{range $k, $v := .NetworkSettings.Ports}}{{$k}} {{end}}", "forms")
			if got := strings.TrimSpace(r.Stdout); got != tc.want {
				t.Errorf("-p %v: ports %q, want %q", tc.publish, got, tc.want)
			}
			e.MustPod("rm", "forms")
		}
	})
}

// TestNetworkPublishedPortRerun re-runs a container on the host port of one
// just stopped or removed, after connections through it: the forwarder's
// connections linger in TIME_WAIT for a minute and must not count as the
// port being bound (podman re-runs at once).
func TestNetworkPublishedPortRerun(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		port := 20701
		if e.Rootless() {
			port = 20702
		}
		url := fmt.Sprintf("http://127.0.0.1:%d/", port)
		serve := func(name string) {
			t.Helper()
			e.MustPod("run", "-d", "--name", name, "-p", fmt.Sprintf("%d:80", port), img,
				"sh", "-c", "mkdir /www && echo "+name+" > /www/index.html && exec httpd -f -p 80 -h /www")
			for i := 0; i < 3; i++ {
				if body, err := httpGet(t, url); err != nil || body != name+"\n" {
					t.Fatalf("GET %s from %s: %q, %v", url, name, body, err)
				}
			}
		}
		serve("fl-web1")
		e.MustPod("stop", "-t", "0", "fl-web1")
		e.MustPod("rm", "fl-web1")
		serve("fl-web2")
		e.MustPod("rm", "-f", "-t", "0", "fl-web2")
		serve("fl-web3")
		e.MustPod("rm", "-f", "-t", "0", "fl-web3")
	})
}
