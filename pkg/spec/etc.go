package spec

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// HostEntry is one extra /etc/hosts line (--add-host NAME:IP).
type HostEntry struct {
	IP    string
	Names []string
}

// hostnameIP is where the container's own hostname points when no entry
// names it (the Debian convention for a host's name without a fixed
// address).
const hostnameIP = "127.0.1.1"

// HostsFile returns a container's /etc/hosts: the loopback names Docker
// writes, the extra entries in order, and a line for hostname, unless an
// extra entry already names it (the engine passes the container's address
// that way when it has one).
func HostsFile(hostname string, extra []HostEntry) []byte {
	var b bytes.Buffer
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\n")
	b.WriteString("ff00::0\tip6-mcastprefix\n")
	b.WriteString("ff02::1\tip6-allnodes\n")
	b.WriteString("ff02::2\tip6-allrouters\n")
	named := false
	for _, e := range extra {
		if e.IP == "" || len(e.Names) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s\t%s\n", e.IP, strings.Join(e.Names, " "))
		named = named || slices.Contains(e.Names, hostname)
	}
	if hostname != "" && !named {
		fmt.Fprintf(&b, "%s\t%s\n", hostnameIP, hostname)
	}
	return b.Bytes()
}

// defaultNameservers are Docker's fallback when the host has no
// nameserver a container can reach.
var defaultNameservers = []string{"8.8.8.8", "8.8.4.4"}

// ResolvConf returns a container's /etc/resolv.conf made from the host's:
// dns, search and options replace the host's values when given (a search
// of just "." means none, as in Docker). Loopback nameservers are dropped,
// since they do not answer from a private network namespace; with none
// left, Docker's public defaults are used.
func ResolvConf(host []byte, dns, search, options []string) []byte {
	var hostNS, hostSearch, hostOpts []string
	s := bufio.NewScanner(bytes.NewReader(host))
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) > 1 && !isLoopback(f[1]) {
				hostNS = append(hostNS, f[1])
			}
		case "search", "domain":
			// The last of search and domain wins (resolv.conf(5)).
			hostSearch = slices.Clone(f[1:])
		case "options":
			hostOpts = append(hostOpts, f[1:]...)
		}
	}
	ns := dns
	if len(ns) == 0 {
		ns = hostNS
	}
	if len(ns) == 0 {
		ns = defaultNameservers
	}
	if len(search) == 0 {
		search = hostSearch
	} else if len(search) == 1 && search[0] == "." {
		search = nil
	}
	if len(options) == 0 {
		options = hostOpts
	}
	var b bytes.Buffer
	if len(search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	for _, n := range ns {
		fmt.Fprintf(&b, "nameserver %s\n", n)
	}
	if len(options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(options, " "))
	}
	return b.Bytes()
}

// isLoopback reports whether a nameserver address is on loopback; an
// IPv6 address may carry a zone ("fe80::1%eth0").
func isLoopback(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	return err == nil && ip.IsLoopback()
}
