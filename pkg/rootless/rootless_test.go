package rootless

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestHostIDOfRoot(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		id            int
		ok            bool
	}{
		{"initial namespace", "         0          0 4294967295\n", 0, false},
		{"rootless", "         0       1001          1\n         1     200000      65536\n", 1001, true},
		{"no root mapping", "         1     200000      65536\n", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "uid_map")
			if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			id, ok, err := hostIDOfRoot(p)
			if err != nil || id != tc.id || ok != tc.ok {
				t.Fatalf("got %d %v %v, want %d %v", id, ok, err, tc.id, tc.ok)
			}
		})
	}
}

func TestStackMappings(t *testing.T) {
	got := stack(1001, []specs.LinuxIDMapping{{HostID: 200000, Size: 65536}, {HostID: 300000, Size: 10}})
	want := []specs.LinuxIDMapping{
		{ContainerID: 0, HostID: 1001, Size: 1},
		{ContainerID: 1, HostID: 200000, Size: 65536},
		{ContainerID: 65537, HostID: 300000, Size: 10},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestHasRange(t *testing.T) {
	p := filepath.Join(t.TempDir(), "subuid")
	if err := os.WriteFile(p, []byte("alice:100000:65536\n1002:300000:0\n\n  1004:400000:10  \ndave:500000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id string
		want     bool
	}{
		{"alice", "1001", true},  // by name
		{"eve", "1004", true},    // by numeric ID, blanks around the line
		{"bob", "1002", false},   // a range of size 0
		{"carol", "1003", false}, // absent
		{"dave", "1005", false},  // no count
	} {
		if got, err := hasRange(p, tc.name, tc.id); err != nil || got != tc.want {
			t.Errorf("hasRange(%s) = %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
	if got, err := hasRange(filepath.Join(t.TempDir(), "missing"), "alice", "1001"); got || err != nil {
		t.Errorf("missing file: %v, %v", got, err)
	}
}
