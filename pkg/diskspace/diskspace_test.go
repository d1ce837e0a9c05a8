package diskspace

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestExplain(t *testing.T) {
	dir := t.TempDir()
	base := fmt.Errorf("write log: %w", &os.PathError{Op: "write", Path: dir + "/x", Err: unix.ENOSPC})
	err := Explain(base, dir+"/missing/file", IsFull(base))
	if !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("%v lost ENOSPC", err)
	}
	mnt, _ := Where(dir)
	if mnt == "" || !strings.Contains(err.Error(), "mounted at "+mnt) {
		t.Fatalf("%q does not name the mount point %q", err, mnt)
	}
	if Explain(err, "/", true) != err {
		t.Fatal("explained twice")
	}
	other := errors.New("other")
	if Explain(other, dir, IsFull(other)) != other {
		t.Fatal("explained an error that is not about space")
	}
}

func TestExplainPath(t *testing.T) {
	dir := t.TempDir()
	mnt, _ := Where(dir)
	err := ExplainPath(fmt.Errorf("create: %w", &os.PathError{Op: "open", Path: dir + "/f", Err: unix.ENOSPC}), "")
	if !strings.Contains(err.Error(), "mounted at "+mnt) {
		t.Fatalf("%q does not name %s", err, mnt)
	}
	bare := fmt.Errorf("copy: %w", unix.ENOSPC)
	if ExplainPath(bare, "") != bare {
		t.Fatal("explained without a path")
	}
	if err := ExplainPath(bare, dir); !strings.Contains(err.Error(), "mounted at "+mnt) {
		t.Fatalf("%q does not name %s", err, mnt)
	}
}
