package engine

import (
	"errors"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestVolumeFilters(t *testing.T) {
	old := &VolumeInfo{Name: "mydata1", Driver: "local", Scope: "local", CreatedAt: time.Now().Add(-48 * time.Hour),
		Labels: map[string]string{"app": "web", "tier": ""}, Options: map[string]string{"type": "tmpfs"}}
	used := &VolumeInfo{Name: "cache", Driver: "local", Scope: "local", CreatedAt: time.Now(),
		Labels: map[string]string{"app": "db"}, Options: map[string]string{}, Containers: []string{"abc"}}
	tests := []struct {
		filters []string
		want    []string // names that pass
	}{
		{nil, []string{"mydata1", "cache"}},
		{[]string{"name=data"}, []string{"mydata1"}},
		{[]string{"name=^cache$"}, []string{"cache"}},
		{[]string{"name=nomatch", "name=cache"}, []string{"cache"}},
		{[]string{"label=app"}, []string{"mydata1", "cache"}},
		{[]string{"label=app=web"}, []string{"mydata1"}},
		{[]string{"label=app", "label=tier"}, []string{"mydata1"}},
		{[]string{"label!=app=web"}, []string{"cache"}},
		{[]string{"label!=tier"}, []string{"cache"}},
		{[]string{"dangling=true"}, []string{"mydata1"}},
		{[]string{"dangling=false"}, []string{"cache"}},
		{[]string{"driver=local"}, []string{"mydata1", "cache"}},
		{[]string{"driver=nfs"}, nil},
		{[]string{"scope=local", "opt=type=tmpfs"}, []string{"mydata1"}},
		{[]string{"until=24h"}, []string{"mydata1"}},
	}
	for _, tt := range tests {
		t.Run(joinNames(tt.filters), func(t *testing.T) {
			match, err := compileVolumeFilters(tt.filters, volumeListFilterKeys)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range []*VolumeInfo{old, used} {
				if match(v) {
					got = append(got, v.Name)
				}
			}
			if joinNames(got) != joinNames(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range [][]string{{"name"}, {"bogus=1"}, {"dangling=maybe"}, {"name=("}, {"until=soon"}} {
		if _, err := compileVolumeFilters(bad, volumeListFilterKeys); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("filters %v: err %v, want invalid argument", bad, err)
		}
	}
	if _, err := compileVolumeFilters([]string{"name=x"}, volumePruneFilterKeys); !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Errorf("prune accepted name=: %v", err)
	}
}

func TestKeyValues(t *testing.T) {
	m, err := keyValues([]string{"a=1", "b", "a=2", "c=x=y"}, "label", true)
	if err != nil || m["a"] != "2" || m["b"] != "" || m["c"] != "x=y" {
		t.Fatalf("got %v %v", m, err)
	}
	if _, err := keyValues([]string{"type"}, "volume option", false); !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Fatalf("bare option accepted: %v", err)
	}
}

func joinNames(s []string) string {
	out := ""
	for _, x := range s {
		out += x + ","
	}
	return out
}
