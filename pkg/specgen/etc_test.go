package specgen

import (
	"errors"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestValidateEtcOptions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hostname string
		o        NetOptions
		flag     string // "" when valid
	}{
		{"plain", "web-1.example.com", NetOptions{DNSSearch: []string{"example.com", "corp.example.com.", "."}, DNSOptions: []string{"ndots:2", "rotate"}, AddHosts: []string{"db_1:10.0.0.1", "h:::1"}}, ""},
		{"hostname newline", "a\nb", NetOptions{}, "--hostname"},
		{"hostname space", "a b", NetOptions{}, "--hostname"},
		{"hostname leading hyphen", "-a", NetOptions{}, "--hostname"},
		{"hostname too long", strings.Repeat("a", 65), NetOptions{}, "--hostname"},
		{"hostname underscore", "a_b", NetOptions{}, "--hostname"},
		{"search injects nameserver", "", NetOptions{DNSSearch: []string{"x\nnameserver 6.6.6.6"}}, "--dns-search"},
		{"search empty label", "", NetOptions{DNSSearch: []string{"a..b"}}, "--dns-search"},
		{"option newline", "", NetOptions{DNSOptions: []string{"ndots:1\nnameserver 6.6.6.6"}}, "--dns-option"},
		{"option space", "", NetOptions{DNSOptions: []string{"ndots:1 rotate"}}, "--dns-option"},
		{"add-host name newline", "", NetOptions{AddHosts: []string{"a\n6.6.6.6 evil:1.2.3.4"}}, "--add-host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateEtcOptions(tc.hostname, tc.o)
			if tc.flag == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, errdefs.ErrInvalidArg) || !strings.Contains(err.Error(), tc.flag) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line naming %s, invalid argument", err, tc.flag)
			}
		})
	}
}
