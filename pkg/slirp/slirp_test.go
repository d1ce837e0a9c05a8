package slirp

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containers/storage/pkg/reexec"

	"github.com/pod-engine/pod/pkg/netns"
	"github.com/pod-engine/pod/pkg/network"
)

func TestMain(m *testing.M) {
	reexec.Register(ReexecName, Main)
	reexec.Register(ChildReexecName, ChildMain)
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// startPublishing starts the helpers for a new network namespace (removed
// when t ends) with one published port on 127.0.0.1, or skips t without
// root or slirp4netns.
func startPublishing(t *testing.T) (ns, state string, ports []network.PortMapping) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	if _, err := lookSlirp(""); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	ns = filepath.Join(dir, "ns")
	if err := netns.Create(ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.Remove(ns) })
	ports, err := network.AssignHostPorts([]network.PortMapping{{HostIP: "127.0.0.1", ContainerPort: 80, Protocol: "tcp"}})
	if err != nil {
		t.Fatal(err)
	}
	state = filepath.Join(dir, "state")
	if err := Start(context.Background(), state, Config{NetNS: ns, Ports: ports}); err != nil {
		t.Fatal(err)
	}
	return ns, state, ports
}

func TestStartPublishStop(t *testing.T) {
	ctx := context.Background()
	ns, state, ports := startPublishing(t)
	// slirp4netns configured tap0 with the container address.
	var addrs []string
	netns.Do(ns, func() error {
		ifc, err := net.InterfaceByName("tap0")
		if err != nil {
			return err
		}
		as, _ := ifc.Addrs()
		for _, a := range as {
			addrs = append(addrs, a.String())
		}
		return nil
	})
	if !strings.Contains(strings.Join(addrs, " "), ContainerIP+"/24") {
		t.Fatalf("tap0 addresses %v, want %s/24", addrs, ContainerIP)
	}
	// A server in the namespace answers on the published host port.
	var l net.Listener
	if err := netns.Do(ns, func() (err error) { l, err = net.Listen("tcp", ":80"); return err }); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "hello")
			c.Close()
		}
	}()
	defer l.Close()
	hostAddr := net.JoinHostPort("127.0.0.1", itoa(ports[0].HostPort))
	c, err := net.Dial("tcp", hostAddr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "hello" {
		t.Fatalf("published port answered %q", b)
	}
	// Publishing the same host port twice fails with a clear error, and
	// leaves nothing running.
	dir := t.TempDir()
	ns2 := filepath.Join(dir, "ns2")
	if err := netns.Create(ns2); err != nil {
		t.Fatal(err)
	}
	defer netns.Remove(ns2)
	err = Start(ctx, filepath.Join(dir, "state2"), Config{NetNS: ns2, Ports: ports})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("second Start on a bound port: %v", err)
	}
	if err := Stop(ctx, state); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", hostAddr); err == nil {
		t.Fatal("host port still open after Stop")
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatalf("state dir left: %v", err)
	}
	if err := Stop(ctx, state); err != nil {
		t.Fatalf("Stop twice: %v", err)
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

// Without published ports slirp4netns runs on its own, no helper: Running
// and Stop find it by its PID, and Stop ends it.
func TestStartStopWithoutPorts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	if _, err := lookSlirp(""); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	ns := filepath.Join(dir, "ns")
	if err := netns.Create(ns); err != nil {
		t.Fatal(err)
	}
	defer netns.Remove(ns)
	state := filepath.Join(dir, "state")
	if err := Start(ctx, state, Config{NetNS: ns}); err != nil {
		t.Fatal(err)
	}
	pid := running(state)
	if pid == 0 {
		t.Fatal("Running: slirp4netns not found after Start")
	}
	if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm"); strings.TrimSpace(string(b)) != "slirp4netns" {
		t.Errorf("the PID recorded is %q, not slirp4netns", b)
	}
	var up bool
	netns.Do(ns, func() error {
		ifc, err := net.InterfaceByName("tap0")
		up = err == nil && ifc.Flags&net.FlagUp != 0
		return nil
	})
	if !up {
		t.Error("tap0 is not up")
	}
	if err := Stop(ctx, state); err != nil {
		t.Fatal(err)
	}
	// Stop returns once the process is exiting (its command line gone);
	// it is a zombie of this test, or gone, moments later.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slirp4netns %d still runs after Stop: %s", pid, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if Running(state) {
		t.Error("Running after Stop")
	}
}

// A helper whose pid file was never written (pod killed between starting
// it and recording it) is found by its command line and stopped, freeing
// its host port.
func TestStopUnrecordedHelper(t *testing.T) {
	ctx := context.Background()
	_, state, ports := startPublishing(t)
	pid := running(state)
	if pid == 0 {
		t.Fatal("helper not running after Start")
	}
	t.Cleanup(func() {
		if isOurs(pid, state) {
			syscall.Kill(pid, syscall.SIGKILL) // a failed test's leftover
		}
	})
	if err := os.Remove(filepath.Join(state, "pid")); err != nil {
		t.Fatal(err)
	}
	if err := Stop(ctx, state); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !strings.Contains(string(b), ") Z ") {
		t.Fatalf("helper %d still runs after Stop: %s", pid, b)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+itoa(ports[0].HostPort))
	if err != nil {
		t.Fatalf("host port still taken after Stop: %v", err)
	}
	l.Close()
}
