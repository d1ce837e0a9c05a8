package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/network"
)

func TestNetworkFilter(t *testing.T) {
	nets := []*network.Network{
		{Name: "podman", ID: "2f259bab93aa", Driver: "bridge", Created: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Name: "backend", ID: "0f2c59e5bd4e", Driver: "bridge", Labels: map[string]string{"env": "test", "team": "a"}, Created: time.Now()},
		{Name: "front", ID: "77aa01", Driver: "macvlan", Labels: map[string]string{"env": "prod"}, Created: time.Now()},
	}
	tests := []struct {
		filters []string
		want    string
	}{
		{nil, "podman backend front"},
		{[]string{"name=^pod"}, "podman"},
		{[]string{"name=end"}, "backend"},
		{[]string{"name=^pod", "name=front"}, "podman front"},
		{[]string{"id=0f2c"}, "backend"},
		{[]string{"driver=bridge"}, "podman backend"},
		{[]string{"driver=bridge", "name=^f"}, ""},
		{[]string{"label=env"}, "backend front"},
		{[]string{"label=env=test"}, "backend"},
		// Every label= must hold, as in Docker and podman (they were
		// alternatives before).
		{[]string{"label=env", "label=team=a"}, "backend"},
		{[]string{"label=env=test", "label=env=prod"}, ""},
		{[]string{"label!=env"}, "podman"},
		{[]string{"until=2021-01-01"}, "podman"},
		{[]string{"until=2021-01-01", "label=env"}, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.filters, " "), func(t *testing.T) {
			f, err := ParseNetworkFilters(tc.filters)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range nets {
				if f.match(n) {
					got = append(got, n.Name)
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("got %v, want %s", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"name", "name=(", "colour=red", "until=soon", "label==x"} {
		if _, err := ParseNetworkFilters([]string{bad}); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("%s: err %v, want invalid argument", bad, err)
		}
	}
	if !(*NetworkFilter)(nil).match(nets[0]) {
		t.Error("nil filter does not match")
	}
}
