package e2e

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// TestVolumeExportImport checks that volume export writes the volume's
// contents (owners, modes, symlinks) as a tar that volume import puts into
// another volume, from a file and from standard input.
func TestVolumeExportImport(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "--rm", "-v", "src:/v", img, "sh", "-c",
			"mkdir /v/d && echo hi > /v/d/f && chown 1000:100 /v/d/f && chmod 640 /v/d/f && ln -s /etc/passwd /v/link")
		tarPath := e.Path("src.tar")
		e.MustPod("volume", "export", "-o", tarPath, "src")
		names := map[string]bool{}
		f, err := os.Open(tarPath)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			names[strings.TrimPrefix(h.Name, "./")] = true
		}
		f.Close()
		for _, n := range []string{"d/", "d/f", "link"} {
			if !names[n] {
				t.Errorf("archive lacks %s: %v", n, names)
			}
		}

		e.MustPod("volume", "create", "dst")
		e.MustPod("volume", "import", "dst", tarPath)
		want := "hi\n1000:100 640\n/etc/passwd"
		check := "cat /v/d/f; stat -c '%u:%g %a' /v/d/f; readlink /v/link"
		if got := out(e.MustPod("run", "--rm", "-v", "dst:/v", img, "sh", "-c", check)); got != want {
			t.Errorf("imported volume:\n%s\nwant\n%s", got, want)
		}
		// Through a pipe: export to stdout, import from stdin.
		exp := e.MustPod("volume", "export", "src")
		e.MustPod("volume", "create", "piped")
		e.PodStdin(bytes.NewReader([]byte(exp.Stdout)), "volume", "import", "piped", "-").Success(t)
		if got := out(e.MustPod("run", "--rm", "-v", "piped:/v", img, "sh", "-c", check)); got != want {
			t.Errorf("volume imported from stdin:\n%s", got)
		}
		e.Pod("volume", "export", "nope").Fails(t, 125, "nope")
		e.Pod("volume", "import", "nope", tarPath).Fails(t, 125, "nope")
	})
}
