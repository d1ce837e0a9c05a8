package nameserver

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/miekg/dns"
)

// serve runs h on a loopback UDP port and returns its address.
func serve(t *testing.T, h dns.Handler) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: h}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func query(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := new(dns.Client).Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	return r
}

func TestServer(t *testing.T) {
	// An upstream resolver that knows one outside name.
	upstream := serve(t, dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		if req.Question[0].Name == "outside.example." {
			m.Answer = []dns.RR{&dns.A{Hdr: hdr("outside.example.", dns.TypeA), A: net.ParseIP("192.0.2.7").To4()}}
		} else {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	}))
	d := Dir(filepath.Join(t.TempDir(), "net"))
	if err := d.Write(Records{"id1": {Names: []string{"web", "www"}, IPs: []string{"10.1.0.2", "fd00::2"}}}); err != nil {
		t.Fatal(err)
	}
	addr := serve(t, &server{dir: d, upstreams: []string{upstream}})

	tests := []struct {
		name  string
		qtype uint16
		want  []string
		rcode int
	}{
		{"web", dns.TypeA, []string{"10.1.0.2"}, dns.RcodeSuccess},
		{"WWW", dns.TypeA, []string{"10.1.0.2"}, dns.RcodeSuccess},
		{"web.dns.pod", dns.TypeAAAA, []string{"fd00::2"}, dns.RcodeSuccess},
		{"2.0.1.10.in-addr.arpa", dns.TypePTR, []string{"web.dns.pod."}, dns.RcodeSuccess},
		{"outside.example", dns.TypeA, []string{"192.0.2.7"}, dns.RcodeSuccess},
		{"nowhere.example", dns.TypeA, nil, dns.RcodeNameError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := query(t, addr, tt.name, tt.qtype)
			var got []string
			for _, rr := range r.Answer {
				switch v := rr.(type) {
				case *dns.A:
					got = append(got, v.A.String())
				case *dns.AAAA:
					got = append(got, v.AAAA.String())
				case *dns.PTR:
					got = append(got, v.Ptr)
				}
			}
			if r.Rcode != tt.rcode || len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Fatalf("%s: rcode %d answers %v, want %d %v", tt.name, r.Rcode, got, tt.rcode, tt.want)
			}
		})
	}
	// A container that joins later is answered without a restart.
	if err := d.Write(Records{"id2": {Names: []string{"db"}, IPs: []string{"10.1.0.3"}}}); err != nil {
		t.Fatal(err)
	}
	if r := query(t, addr, "db", dns.TypeA); len(r.Answer) != 1 {
		t.Fatalf("db after reload: %v", r.Answer)
	}
	if r := query(t, addr, "web", dns.TypeA); len(r.Answer) != 0 {
		t.Fatalf("web still answered after its removal: %v", r.Answer)
	}
}

func TestHostResolvers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(p, []byte("# x\nnameserver 10.1.0.1\nnameserver 192.0.2.53\nsearch example\nnameserver ::1\n"), 0o644)
	got := HostResolvers(p, []string{"10.1.0.1"})
	if len(got) != 2 || got[0] != "192.0.2.53:53" || got[1] != "[::1]:53" {
		t.Fatalf("HostResolvers = %v", got)
	}
}
