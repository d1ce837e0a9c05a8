package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestParseVolume(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		in   string
		want MountConfig
		err  string
	}{
		{in: "/data", want: MountConfig{Type: "volume", Destination: "/data", Options: []string{"rw"}}},
		{in: "/data:ro", want: MountConfig{Type: "volume", Destination: "/data", Options: []string{"ro"}}},
		{in: "vol:/data", want: MountConfig{Type: "volume", Source: "vol", Destination: "/data", Options: []string{"rw"}}},
		{in: "vol:/data/:ro,nocopy,U,z", want: MountConfig{Type: "volume", Source: "vol", Destination: "/data", Options: []string{"ro"}, NoCopy: true, Chown: true}},
		{in: dir + ":/d:rshared,noexec", want: MountConfig{Type: "bind", Source: dir, Destination: "/d", Options: []string{"rw", "rshared", "noexec"}}},
		{in: "vol:rel", err: "not an absolute path"},
		{in: "data", err: "not an absolute path"},
		{in: ":/d", err: "empty source"},
		{in: "_v:/d", err: "invalid volume name"},
		{in: dir + ":/d:nocopy", err: "volumes only"},
		{in: "v:/d:ro,rw", err: "twice"},
		{in: "v:/d:bogus", err: "unknown option"},
		{in: "/no/such/dir:/d", err: "no such file"},
		{in: "a:b:c:d", err: "invalid volume specification"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseVolume(tt.in)
			checkParse(t, got, err, tt.want, tt.err)
		})
	}
}

func TestParseMountFlag(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		in   string
		want MountConfig
		err  string
	}{
		{in: "type=volume,src=v,dst=/v", want: MountConfig{Type: "volume", Source: "v", Destination: "/v", Options: []string{"rw"}}},
		{in: "target=/v", want: MountConfig{Type: "volume", Destination: "/v", Options: []string{"rw"}}},
		{in: "source=v,destination=/v,readonly,volume-nocopy", want: MountConfig{Type: "volume", Source: "v", Destination: "/v", Options: []string{"ro"}, NoCopy: true}},
		{in: "src=v,dst=/v,ro=false", want: MountConfig{Type: "volume", Source: "v", Destination: "/v", Options: []string{"rw"}}},
		{in: "type=bind,src=" + dir + ",dst=/b,bind-propagation=rslave,bind-nonrecursive", want: MountConfig{Type: "bind", Source: dir, Destination: "/b", Options: []string{"rw", "rslave"}, NonRecursive: true}},
		{in: "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700", want: MountConfig{Type: "tmpfs", Source: "tmpfs", Destination: "/t", Options: []string{"rw", "size=1048576", "mode=700"}}},
		{in: "type=bind,dst=/b", err: "needs src="},
		{in: "type=tmpfs,src=x,dst=/t", err: "no source"},
		{in: "type=nfs,dst=/t", err: "type must be"},
		{in: "src=v", err: "destination"},
		{in: "src=v,dst=rel", err: "destination"},
		{in: "src=v,dst=/v,colour=red", err: "unknown field"},
		{in: "src=v,dst=/v,ro=maybe", err: "true or false"},
		{in: "type=bind,src=" + dir + ",dst=/b,bind-propagation=weird", err: "bind-propagation"},
		{in: "type=tmpfs,dst=/t,tmpfs-mode=999", err: "octal"},
		{in: "type=tmpfs,dst=/t,volume-nocopy", err: "volumes only"},
		{in: "src=v,dst=/v,volume-opt=type=tmpfs", err: "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseMountFlag(tt.in)
			checkParse(t, got, err, tt.want, tt.err)
		})
	}
}

func checkParse(t *testing.T, got MountConfig, err error, want MountConfig, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) || !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Fatalf("err = %v, want invalid argument containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestImageVolumes(t *testing.T) {
	have := []MountConfig{{Type: "volume", Source: "mine", Destination: "/etc"}}
	got := imageVolumes(map[string]struct{}{"/var/lib/x/": {}, "/etc": {}, "/a": {}, "rel": {}}, have)
	var dsts []string
	for _, m := range got {
		if m.Type != "volume" || m.Source != "" {
			t.Errorf("image volume %+v is not anonymous", m)
		}
		dsts = append(dsts, m.Destination)
	}
	if strings.Join(dsts, " ") != "/a /var/lib/x" {
		t.Fatalf("image volumes at %v, want /a /var/lib/x (sorted, cleaned, not over -v /etc)", dsts)
	}
}
