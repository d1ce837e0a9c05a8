package netns

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_SYS_ADMIN) to create network namespaces")
	}
}

func TestCreateRemove(t *testing.T) {
	needRoot(t)
	path := filepath.Join(t.TempDir(), "netns", "test1")
	hostBefore, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if err := Create(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Remove(path) })
	if !IsNamespace(path) {
		t.Fatalf("%s is not an nsfs mount", path)
	}
	if err := Create(path); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("second Create: got %v, want ErrAlreadyExists", err)
	}
	// The new namespace has only lo, and it is up.
	var names []string
	var loUp bool
	err = Do(path, func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			names = append(names, i.Name)
			if i.Name == "lo" {
				loUp = i.Flags&net.FlagUp != 0
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "lo" || !loUp {
		t.Fatalf("interfaces in new netns: %v (lo up %v), want only lo, up", names, loUp)
	}
	// A process started inside Do runs in the namespace.
	err = Do(path, func() error {
		out, err := exec.Command("ip", "-o", "link").Output()
		if err != nil {
			return err
		}
		if n := strings.Count(string(out), "\n"); n != 1 {
			t.Errorf("ip link inside netns lists %d links:\n%s", n, out)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// No thread of this process was left in the new namespace.
	after, _ := os.Readlink("/proc/self/ns/net")
	if after != hostBefore {
		t.Fatalf("main thread netns changed: %s -> %s", hostBefore, after)
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		ns, err := os.Readlink(filepath.Join("/proc/self/task", task.Name(), "ns/net"))
		if err == nil && ns != hostBefore {
			t.Errorf("thread %s is in netns %s", task.Name(), ns)
		}
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("netns file still there after Remove: %v", err)
	}
	if err := Remove(path); err != nil {
		t.Fatalf("Remove twice: %v", err)
	}
}

func TestRemoveRepairsLeftoverFile(t *testing.T) {
	needRoot(t)
	path := filepath.Join(t.TempDir(), "leftover")
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := Create(path); err != nil {
		t.Fatalf("Create over a crash's empty file: %v", err)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
}
