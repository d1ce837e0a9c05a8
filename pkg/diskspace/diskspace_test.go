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
