package storage

import (
	"archive/tar"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func tarBytes(t *testing.T, hs []tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hs {
		if h.Typeflag == tar.TypeReg {
			h.Size = 1
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte("x"))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckLayer(t *testing.T) {
	reg := func(n string) tar.Header { return tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644} }
	sym := func(n, l string) tar.Header { return tar.Header{Name: n, Linkname: l, Typeflag: tar.TypeSymlink} }
	hard := func(n, l string) tar.Header { return tar.Header{Name: n, Linkname: l, Typeflag: tar.TypeLink} }
	dir := func(n string) tar.Header { return tar.Header{Name: n, Typeflag: tar.TypeDir, Mode: 0o755} }
	tests := []struct {
		name    string
		entries []tar.Header
		want    string // "" when the layer is fine
	}{
		{"plain", []tar.Header{dir("etc/"), reg("etc/passwd"), reg("./bin/sh")}, ""},
		{"absolute names stay inside", []tar.Header{reg("/etc/passwd")}, ""},
		{"dot dot inside", []tar.Header{reg("a/../b")}, ""},
		{"absolute symlink", []tar.Header{sym("etc/localtime", "/usr/share/zoneinfo/UTC")}, ""},
		{"relative symlink", []tar.Header{sym("etc/mtab", "../proc/self/mounts")}, ""},
		{"hard link to earlier entry", []tar.Header{reg("bin/a"), hard("bin/b", "bin/a"), hard("bin/c", "/bin/a")}, ""},
		{"symlink replaced by a directory", []tar.Header{sym("d", "/tmp"), dir("d"), reg("d/f")}, ""},
		{"climbs out", []tar.Header{reg("../x")}, "leaves the layer"},
		{"climbs out deep", []tar.Header{reg("a/../../x")}, "leaves the layer"},
		{"through own symlink", []tar.Header{sym("evil", "/etc"), reg("evil/passwd")}, "written through the symlink"},
		{"through own symlink deep", []tar.Header{sym("a/evil", "../../"), reg("a/evil/b/c")}, "written through the symlink"},
		{"hard link outside", []tar.Header{hard("x", "../../etc/passwd")}, "points outside"},
		{"hard link to absent file", []tar.Header{hard("x", "/etc/shadow")}, "points outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkLayer(bytes.NewReader(tarBytes(t, tt.entries)))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("checkLayer: %v", err)
				}
				return
			}
			if !errors.Is(err, errdefs.ErrInvalidArg) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("checkLayer = %v, want an invalid-argument error with %q", err, tt.want)
			}
		})
	}
}

func TestCheckIfLayerSkipsOtherFiles(t *testing.T) {
	for _, body := range []string{"", `{"config": {}}`, strings.Repeat("json ", 300)} {
		if err := checkIfLayer(strings.NewReader(body)); err != nil {
			t.Errorf("checkIfLayer(%.20q) = %v, want nil", body, err)
		}
	}
	bad := tarBytes(t, []tar.Header{{Name: "../x", Typeflag: tar.TypeReg}})
	if err := checkIfLayer(bytes.NewReader(bad)); err == nil {
		t.Errorf("checkIfLayer accepted a layer that climbs out")
	}
	// Cut in the second header.
	good := tarBytes(t, []tar.Header{{Name: "x", Typeflag: tar.TypeReg}, {Name: "y", Typeflag: tar.TypeReg}})
	if err := checkIfLayer(bytes.NewReader(good[:1030])); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("checkIfLayer on a cut layer = %v, want truncated", err)
	}
}
