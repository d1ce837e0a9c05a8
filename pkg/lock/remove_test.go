package lock

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestRemoveIfUnused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	gone := func() (bool, error) { return true, nil }
	exists := func() (bool, error) { return false, nil }

	held, err := Acquire(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if removed, err := RemoveIfUnused(path, gone); err != nil || removed {
		t.Fatalf("held lock: removed %v, %v", removed, err)
	}
	held.Release()
	if removed, err := RemoveIfUnused(path, exists); err != nil || removed {
		t.Fatalf("existing object: removed %v, %v", removed, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the lock file of an existing object went: %v", err)
	}
	if removed, err := RemoveIfUnused(path, gone); err != nil || !removed {
		t.Fatalf("unused lock of a gone object: removed %v, %v", removed, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("lock file still there: %v", err)
	}
}
