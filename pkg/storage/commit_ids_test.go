package storage

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/containers/storage/pkg/idtools"
)

func TestToContainerIDs(t *testing.T) {
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	for _, h := range []tar.Header{
		{Name: "root-file", Uid: 200000, Gid: 200000, Size: 2, Mode: 0o644, Typeflag: tar.TypeReg},
		{Name: "five", Uid: 200005, Gid: 200007, Mode: 0o755, Typeflag: tar.TypeDir},
		{Name: "host-root", Uid: 0, Gid: 0, Mode: 0o644, Typeflag: tar.TypeReg},
	} {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("hi"))
		}
	}
	tw.Close()
	maps := idtools.NewIDMappingsFromMaps([]idtools.IDMap{{ContainerID: 0, HostID: 200000, Size: 1000}}, []idtools.IDMap{{ContainerID: 0, HostID: 200000, Size: 1000}})
	var out bytes.Buffer
	if err := rewriteHeaders(&out, &in, maps, nil); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&out)
	want := map[string][2]int{"root-file": {0, 0}, "five": {5, 7}, "host-root": {overflowID, overflowID}}
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if w := want[h.Name]; h.Uid != w[0] || h.Gid != w[1] {
			t.Errorf("%s owned by %d:%d, want %d:%d", h.Name, h.Uid, h.Gid, w[0], w[1])
		}
		if h.Name == "root-file" {
			if b, _ := io.ReadAll(tr); string(b) != "hi" {
				t.Errorf("content %q", b)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d entries, want 3", n)
	}
}

// TestRewriteTimestamps: --timestamp's rewrite sets every entry's
// modification time and drops the access and change times a PAX header
// carried, keeping owners and contents.
func TestRewriteTimestamps(t *testing.T) {
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	old := time.Unix(1234567890, 500)
	for _, h := range []tar.Header{
		{Name: "f", Uid: 7, Size: 2, Mode: 0o644, Typeflag: tar.TypeReg, ModTime: old, AccessTime: old, ChangeTime: old, Format: tar.FormatPAX},
		{Name: "d", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: old},
	} {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("hi"))
		}
	}
	tw.Close()
	ts := time.Unix(1700000000, 0)
	var out bytes.Buffer
	if err := rewriteHeaders(&out, &in, nil, &ts); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(ts) || !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: mtime %v atime %v ctime %v, want mtime %v only", h.Name, h.ModTime, h.AccessTime, h.ChangeTime, ts)
		}
		if h.Name == "f" && h.Uid != 7 {
			t.Errorf("owner changed to %d", h.Uid)
		}
	}
}
