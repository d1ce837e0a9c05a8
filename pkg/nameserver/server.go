package nameserver

import (
	"bufio"
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Domain is the search domain of container names.
const Domain = "dns.pod."

// server answers from the records and forwards the rest.
type server struct {
	dir       Dir
	upstreams []string // host:port

	mu      sync.Mutex
	modTime time.Time
	size    int64
	inode   uint64              // Write renames a new file in: a new inode each time
	names   map[string][]net.IP // lower-case FQDN -> addresses
	reverse map[string]string   // in-addr.arpa name -> FQDN
}

// reload rereads the records when the file changed.
func (s *server) reload() {
	st, err := os.Stat(s.dir.records())
	s.mu.Lock()
	defer s.mu.Unlock()
	var ino uint64
	if err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			ino = sys.Ino
		}
	}
	if err == nil && st.ModTime().Equal(s.modTime) && st.Size() == s.size && ino == s.inode && s.names != nil {
		return
	}
	recs, rerr := s.dir.Read()
	if rerr != nil {
		return // keep the last good set
	}
	s.names = map[string][]net.IP{}
	s.reverse = map[string]string{}
	for _, e := range recs {
		for _, n := range e.Names {
			n = strings.ToLower(strings.TrimSuffix(n, "."))
			for _, ipStr := range e.IPs {
				ip := net.ParseIP(ipStr)
				if ip == nil {
					continue
				}
				s.names[n+"."] = append(s.names[n+"."], ip)
				s.names[n+"."+Domain] = append(s.names[n+"."+Domain], ip)
				if rev, err := dns.ReverseAddr(ipStr); err == nil {
					if _, ok := s.reverse[rev]; !ok {
						s.reverse[rev] = n + "." + Domain
					}
				}
			}
		}
	}
	if err == nil {
		s.modTime, s.size, s.inode = st.ModTime(), st.Size(), ino
	}
}

func (s *server) lookup(q dns.Question) (rrs []dns.RR, known bool) {
	s.reload()
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.ToLower(q.Name)
	if q.Qtype == dns.TypePTR {
		if target, ok := s.reverse[name]; ok {
			return []dns.RR{&dns.PTR{Hdr: hdr(q.Name, dns.TypePTR), Ptr: target}}, true
		}
		return nil, false
	}
	ips, ok := s.names[name]
	if !ok {
		return nil, false
	}
	for _, ip := range ips {
		if ip4 := ip.To4(); ip4 != nil && (q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY) {
			rrs = append(rrs, &dns.A{Hdr: hdr(q.Name, dns.TypeA), A: ip4})
		} else if ip.To4() == nil && (q.Qtype == dns.TypeAAAA || q.Qtype == dns.TypeANY) {
			rrs = append(rrs, &dns.AAAA{Hdr: hdr(q.Name, dns.TypeAAAA), AAAA: ip})
		}
	}
	return rrs, true
}

// hdr has TTL 0: containers come and go, answers must not be cached.
func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 0}
}

func (s *server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) == 1 {
		if rrs, known := s.lookup(req.Question[0]); known {
			m := new(dns.Msg)
			m.SetReply(req)
			m.Authoritative = true
			m.RecursionAvailable = true
			m.Answer = rrs
			w.WriteMsg(m)
			return
		}
	}
	w.WriteMsg(s.forward(req, w.RemoteAddr().Network()))
}

// forward asks the host's resolvers in turn; SERVFAIL when none answers.
func (s *server) forward(req *dns.Msg, network string) *dns.Msg {
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	for _, up := range s.upstreams {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		resp, _, err := c.ExchangeContext(ctx, req, up)
		cancel()
		if err == nil && resp != nil {
			return resp
		}
	}
	m := new(dns.Msg)
	m.SetRcode(req, dns.RcodeServerFailure)
	return m
}

// HostResolvers reads the nameserver lines of a resolv.conf, leaving out
// the addresses the server itself listens on.
func HostResolvers(path string, own []string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "nameserver" {
			continue
		}
		skip := false
		for _, o := range own {
			skip = skip || o == fields[1]
		}
		if !skip {
			out = append(out, net.JoinHostPort(fields[1], "53"))
		}
	}
	return out
}
