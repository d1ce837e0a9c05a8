package lock_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pod-engine/pod/pkg/lock"
)

// A lifecycle operation holds the container's lock for its duration; a
// second one waits, here at most a second.
func Example() {
	dir, _ := os.MkdirTemp("", "pod-lock-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "containers", "3f2a.lock")

	l, err := lock.Acquire(context.Background(), path)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, ok, _ := lock.TryAcquire(path)
	fmt.Println("free while held:", ok)
	l.Release()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l, err = lock.Acquire(ctx, path)
	fmt.Println("acquired after release:", err == nil)
	l.Release()
	// Output:
	// free while held: false
	// acquired after release: true
}
