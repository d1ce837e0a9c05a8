package netns

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestCreateWithUserNS(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	netPath, userPath := filepath.Join(dir, "ns", "net"), filepath.Join(dir, "ns", "user")
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 300000, Size: 1000}}
	if err := CreateWithUserNS(netPath, userPath, maps, maps); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Remove(netPath); Remove(userPath) })
	if !IsNamespace(netPath) || !IsNamespace(userPath) {
		t.Fatal("the namespaces are not nsfs mounts")
	}
	// The network namespace belongs to the new user namespace: that is
	// what lets a process inside that user namespace enter it.
	f, err := os.Open(netPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	owner, err := unix.IoctlRetInt(int(f.Fd()), 0xb701) // NS_GET_USERNS
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(owner)
	var got, want unix.Stat_t
	if err := unix.Fstat(owner, &got); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(userPath, &want); err != nil {
		t.Fatal(err)
	}
	if got.Ino != want.Ino || got.Dev != want.Dev {
		t.Fatal("the network namespace is not owned by the user namespace made with it")
	}
	err = Do(netPath, func() error {
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			return err
		}
		if lo.Flags&net.FlagUp == 0 {
			t.Error("loopback is down")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := Remove(netPath); err != nil {
		t.Fatal(err)
	}
	if err := Remove(userPath); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(userPath); !os.IsNotExist(err) {
		t.Fatalf("user namespace file left: %v", err)
	}
}

func TestCreateWithUserNSBadMap(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	netPath, userPath := filepath.Join(dir, "net"), filepath.Join(dir, "user")
	// Overlapping ranges: the kernel refuses the map, and nothing stays.
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 300000, Size: 10}, {ContainerID: 5, HostID: 400000, Size: 10}}
	if err := CreateWithUserNS(netPath, userPath, maps, maps); err == nil {
		Remove(netPath)
		Remove(userPath)
		t.Fatal("an overlapping map was accepted")
	}
	for _, p := range []string{netPath, userPath} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
}
