package idmap

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func u32(v uint32) *uint32 { return &v }

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Mode
		wantErr string
	}{
		{in: "", want: Mode{Kind: Host}},
		{in: "host", want: Mode{Kind: Host}},
		{in: "keep-id", want: Mode{Kind: KeepID}},
		{in: "keep-id:uid=200,gid=210", want: Mode{Kind: KeepID, UID: u32(200), GID: u32(210)}},
		{in: "keep-id:uid=0", want: Mode{Kind: KeepID, UID: u32(0)}},
		{in: "nomap", want: Mode{Kind: NoMap}},
		{in: "auto", want: Mode{Kind: Auto}},
		{in: "auto:size=500", want: Mode{Kind: Auto, Size: 500}},
		{in: "private", wantErr: "use host, keep-id"},
		{in: "keep-id:size=3", wantErr: `unknown option "size"`},
		{in: "auto:uid=3", wantErr: `unknown option "uid"`},
		{in: "auto:size=0", wantErr: "at least 1"},
		{in: "auto:size=x", wantErr: "not KEY=NUMBER"},
		{in: "auto:size", wantErr: "not KEY=NUMBER"},
		{in: "keep-id:uid=4294967295", wantErr: "not KEY=NUMBER"},
		{in: "nomap:size=3", wantErr: "takes no options"},
		{in: "host:x=1", wantErr: "takes no options"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMode(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseMode(%q) = %v, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseMode(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestModeString(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "host",
		"keep-id":             "keep-id",
		"keep-id:gid=3,uid=2": "keep-id:uid=2,gid=3",
		"auto:size=1024":      "auto:size=1024",
		"nomap":               "nomap",
	} {
		m, err := ParseMode(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.String(); got != want {
			t.Errorf("ParseMode(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func TestParseMaps(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []string
		want    []specs.LinuxIDMapping
		wantErr string
	}{
		{name: "one", in: []string{"0:1:1000"}, want: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 1000}}},
		{name: "size defaults to 1", in: []string{"5:7"}, want: []specs.LinuxIDMapping{{ContainerID: 5, HostID: 7, Size: 1}}},
		{name: "several flags and commas", in: []string{"0:100:10,10:200:5", "20:300:1"}, want: []specs.LinuxIDMapping{
			{ContainerID: 0, HostID: 100, Size: 10}, {ContainerID: 10, HostID: 200, Size: 5}, {ContainerID: 20, HostID: 300, Size: 1}}},
		{name: "adjacent ranges", in: []string{"0:0:10", "10:10:10"}, want: []specs.LinuxIDMapping{
			{ContainerID: 0, HostID: 0, Size: 10}, {ContainerID: 10, HostID: 10, Size: 10}}},
		{name: "too few fields", in: []string{"0"}, wantErr: "CONTAINER_ID:HOST_ID:SIZE"},
		{name: "too many fields", in: []string{"0:1:2:3"}, wantErr: "CONTAINER_ID:HOST_ID:SIZE"},
		{name: "not a number", in: []string{"0:x:3"}, wantErr: `"x" is not`},
		{name: "negative", in: []string{"-1:0:3"}, wantErr: `"-1" is not`},
		{name: "zero size", in: []string{"0:1:0"}, wantErr: "at least 1"},
		{name: "past the end", in: []string{"4294967290:0:10"}, wantErr: "past the last ID"},
		{name: "container overlap", in: []string{"0:100:10", "5:200:10"}, wantErr: "container side"},
		{name: "host overlap", in: []string{"0:100:10", "50:105:10"}, wantErr: "host side"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMaps("--uidmap", tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "invalid --uidmap") {
					t.Fatalf("ParseMaps(%q) = %v, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseMaps(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

// pauseNS is a rootless engine's namespace: the user as 0, 65536
// subordinate IDs above.
var pauseNS = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}

func TestWithin(t *testing.T) {
	ok := [][]specs.LinuxIDMapping{
		{{ContainerID: 0, HostID: 0, Size: 65537}},
		{{ContainerID: 0, HostID: 1, Size: 1000}, {ContainerID: 1000, HostID: 0, Size: 1}},
		{{ContainerID: 0, HostID: 65536, Size: 1}},
	}
	for _, maps := range ok {
		if err := Within(maps, pauseNS); err != nil {
			t.Errorf("Within(%v): %v", maps, err)
		}
	}
	bad := [][]specs.LinuxIDMapping{
		{{ContainerID: 0, HostID: 0, Size: 65538}},
		{{ContainerID: 0, HostID: 100000, Size: 1}},
	}
	for _, maps := range bad {
		if err := Within(maps, pauseNS); err == nil {
			t.Errorf("Within(%v) accepted IDs the namespace lacks", maps)
		}
	}
	initial := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 4294967295}}
	if err := Within([]specs.LinuxIDMapping{{ContainerID: 0, HostID: 4294967000, Size: 295}}, initial); err != nil {
		t.Errorf("the initial namespace lacks its own top IDs: %v", err)
	}
}

func TestHighest(t *testing.T) {
	if got := Highest(pauseNS); got != 65536 {
		t.Errorf("Highest = %d, want 65536", got)
	}
	if got := Highest(nil); got != 0 {
		t.Errorf("Highest(nil) = %d", got)
	}
}

func TestKeepIDMap(t *testing.T) {
	for _, tc := range []struct {
		name        string
		id, highest uint32
		want        []specs.LinuxIDMapping
	}{
		{"podman's layout", 1000, 65536, []specs.LinuxIDMapping{
			{ContainerID: 0, HostID: 1, Size: 1000}, {ContainerID: 1000, HostID: 0, Size: 1}, {ContainerID: 1001, HostID: 1001, Size: 64536}}},
		{"uid 0", 0, 65536, []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: 1, HostID: 1, Size: 65536}}},
		{"above the range", 70000, 65536, []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 65536}, {ContainerID: 70000, HostID: 0, Size: 1}}},
		{"no subordinate IDs", 1000, 0, []specs.LinuxIDMapping{{ContainerID: 1000, HostID: 0, Size: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := KeepIDMap(tc.id, tc.highest)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("KeepIDMap(%d, %d) = %v, want %v", tc.id, tc.highest, got, tc.want)
			}
			// Every map must be one the kernel takes, inside the namespace.
			if err := checkOverlaps(got); err != nil {
				t.Fatal(err)
			}
			ns := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: tc.highest + 1}}
			if err := Within(got, ns); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNoMapMap(t *testing.T) {
	want := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 65536}}
	if got := NoMapMap(65536); !reflect.DeepEqual(got, want) {
		t.Errorf("NoMapMap = %v, want %v", got, want)
	}
	if got := NoMapMap(0); got != nil {
		t.Errorf("NoMapMap(0) = %v, want none", got)
	}
}

func TestFormatAll(t *testing.T) {
	got := FormatAll([]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 1000}, {ContainerID: 1000, HostID: 0, Size: 1}})
	if want := []string{"0:1:1000", "1000:0:1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FormatAll = %q, want %q", got, want)
	}
}

func TestToHost(t *testing.T) {
	maps := KeepIDMap(1000, 65536)
	for _, tc := range []struct {
		id, want uint32
		ok       bool
	}{{0, 1, true}, {999, 1000, true}, {1000, 0, true}, {1001, 1001, true}, {65536, 65536, true}, {65537, 0, false}} {
		got, ok := ToHost(maps, tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ToHost(%d) = %d, %v; want %d, %v", tc.id, got, ok, tc.want, tc.ok)
		}
	}
	if got, ok := ToHost(nil, 42); got != 42 || !ok {
		t.Errorf("ToHost without maps = %d, %v", got, ok)
	}
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          []specs.LinuxIDMapping
	}{
		{"initial namespace", "         0          0 4294967295\n", []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 4294967295}}},
		{"rootless", "         0       1001          1\n         1     200000      65536\n",
			[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1001, Size: 1}, {ContainerID: 1, HostID: 200000, Size: 65536}}},
		{"empty", "", []specs.LinuxIDMapping{}},
		{"out of 32-bit range skipped", "0 4294967296 1\n1 2 3\n", []specs.LinuxIDMapping{{ContainerID: 1, HostID: 2, Size: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "uid_map")
			if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Read(p)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Read = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v, want os.ErrNotExist", err)
	}
}
