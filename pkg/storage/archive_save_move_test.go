package storage

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// moveInto copies across file systems through a temporary file beside the
// destination, and that file, when a killed save left it, is swept by the
// next move into the same directory.
func TestMoveIntoOtherFileSystem(t *testing.T) {
	src := filepath.Join(t.TempDir(), "save.tar")
	if err := os.WriteFile(src, []byte("archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	dstDir, err := os.MkdirTemp("/dev/shm", "pod-move-test-")
	if err != nil {
		t.Skip("no /dev/shm:", err)
	}
	defer os.RemoveAll(dstDir)
	var a, b syscall.Stat_t
	if syscall.Stat(src, &a) != nil || syscall.Stat(dstDir, &b) != nil || a.Dev == b.Dev {
		t.Skip("/dev/shm is on the same file system as the test's temporary directory")
	}
	// What a save killed before its rename left there (atomicfile's name
	// for a temporary out.tar of a process that is gone).
	leftover := filepath.Join(dstDir, ".out.tar.tmp-1999999999@1-123")
	if err := os.WriteFile(leftover, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dstDir, "out.tar")
	if err := moveInto(src, dst); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(dst); err != nil || string(got) != "archive" {
		t.Fatalf("destination holds %q, %v", got, err)
	}
	entries, _ := os.ReadDir(dstDir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left beside the destination: %s", e.Name())
		}
	}
}
