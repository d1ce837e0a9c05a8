package spec

import (
	"strings"
	"testing"
)

func TestHostsFile(t *testing.T) {
	tests := []struct {
		name     string
		hostname string
		extra    []HostEntry
		want     []string // lines, in order
		absent   []string
	}{
		{
			name: "defaults", hostname: "box",
			want: []string{"127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "127.0.1.1\tbox"},
		},
		{
			name: "add-host entries", hostname: "box",
			extra: []HostEntry{{IP: "10.0.0.5", Names: []string{"db", "db.local"}}, {IP: "::2", Names: []string{"six"}}},
			want:  []string{"127.0.0.1\tlocalhost", "10.0.0.5\tdb db.local", "::2\tsix", "127.0.1.1\tbox"},
		},
		{
			name: "container address names the host", hostname: "box",
			extra:  []HostEntry{{IP: "10.88.0.2", Names: []string{"box", "web"}}},
			want:   []string{"10.88.0.2\tbox web"},
			absent: []string{"127.0.1.1"},
		},
		{
			name: "no hostname", hostname: "",
			absent: []string{"127.0.1.1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := string(HostsFile(tc.hostname, tc.extra))
			if !strings.HasSuffix(out, "\n") {
				t.Errorf("no final newline: %q", out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			at := 0
			for _, w := range tc.want {
				found := false
				for ; at < len(lines); at++ {
					if lines[at] == w {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("line %q missing or out of order in\n%s", w, out)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(out, a) {
					t.Errorf("%q present in\n%s", a, out)
				}
			}
		})
	}
}

func TestResolvConf(t *testing.T) {
	host := "# generated\nsearch corp.example\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\noptions edns0 trust-ad\n"
	tests := []struct {
		name                 string
		host                 string
		dns, search, options []string
		want                 string
	}{
		{name: "host values without loopback", host: host,
			want: "search corp.example\nnameserver 10.255.255.53\noptions edns0 trust-ad\n"},
		{name: "given values win", host: host, dns: []string{"1.1.1.1", "9.9.9.9"}, search: []string{"a.example", "b.example"}, options: []string{"ndots:2"},
			want: "search a.example b.example\nnameserver 1.1.1.1\nnameserver 9.9.9.9\noptions ndots:2\n"},
		{name: "search dot means none", host: host, search: []string{"."},
			want: "nameserver 10.255.255.53\noptions edns0 trust-ad\n"},
		{name: "only loopback on the host", host: "nameserver 127.0.0.53\n",
			want: "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"},
		{name: "empty host file", host: "",
			want: "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"},
		{name: "domain line", host: "domain lan\nnameserver 192.168.1.1\n",
			want: "search lan\nnameserver 192.168.1.1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(ResolvConf([]byte(tc.host), tc.dns, tc.search, tc.options)); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
