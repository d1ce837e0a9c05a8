package container

import (
	"errors"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestPortArg(t *testing.T) {
	for in, want := range map[string]string{
		"80": "80/tcp", "80/tcp": "80/tcp", "53/udp": "53/udp", "53/UDP": "53/udp", "080": "80/tcp", "80/": "80/tcp",
	} {
		if got, err := portArg(in); err != nil || got != want {
			t.Errorf("portArg(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "70000", "http", "80-81", "/tcp", "-1"} {
		if got, err := portArg(in); !errors.Is(err, errdefs.ErrInvalidArg) || err.Error() != `invalid port "`+in+`"` {
			t.Errorf("portArg(%q) = %q, %v; want the invalid-argument error", in, got, err)
		}
	}
}
