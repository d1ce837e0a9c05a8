package testimage

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
)

func TestTarOf(t *testing.T) {
	entries := []Entry{
		{Name: "etc/", Dir: true},
		{Name: "tmp/", Dir: true, Mode: 0o1777},
		{Name: "etc/passwd", Body: []byte("root:x:0:0::/root:/bin/sh\n")},
		{Name: "bin/sh", Linkname: "busybox"},
		{Name: "bin/run", Body: []byte("#!/bin/sh\n"), Mode: 0o755},
	}
	b, err := TarOf(entries)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := TarOf(entries)
	if !bytes.Equal(b, again) {
		t.Error("the same entries gave different tarballs (layer digests would change)")
	}
	tr := tar.NewReader(bytes.NewReader(b))
	for i, want := range []struct {
		name     string
		typ      byte
		mode     int64
		body     string
		linkname string
	}{
		{"etc/", tar.TypeDir, 0o755, "", ""},
		{"tmp/", tar.TypeDir, 0o1777, "", ""},
		{"etc/passwd", tar.TypeReg, 0o644, "root:x:0:0::/root:/bin/sh\n", ""},
		{"bin/sh", tar.TypeSymlink, 0o777, "", "busybox"},
		{"bin/run", tar.TypeReg, 0o755, "#!/bin/sh\n", ""},
	} {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		body, _ := io.ReadAll(tr)
		if h.Name != want.name || h.Typeflag != want.typ || h.Mode != want.mode || string(body) != want.body || h.Linkname != want.linkname {
			t.Errorf("entry %d = %s type %c mode %o body %q link %q; want %+v", i, h.Name, h.Typeflag, h.Mode, body, h.Linkname, want)
		}
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("extra entries: %v", err)
	}
}
