package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNotifyProxy binds the proxy at a path longer than sun_path holds,
// as a container's storage directory is, and checks that what a client
// sends reaches the manager's socket without MAINPID and BARRIER.
func TestNotifyProxy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	proxyPath := filepath.Join(dir, "notify.sock")
	proxy, err := openNotifyProxy(proxyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(proxy)
	if fi, err := os.Stat(proxyPath); err != nil || fi.Mode()&0o777 != 0o777 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("proxy socket: %v %v", fi, err)
	}

	managerPath := filepath.Join(t.TempDir(), "m.sock")
	manager, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(manager)
	if err := unix.Bind(manager, &unix.SockaddrUnix{Name: managerPath}); err != nil {
		t.Fatal(err)
	}

	// A client reaches the proxy by a short path of its own, as the
	// container does through its bind mount.
	link := filepath.Join(t.TempDir(), "n")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	client, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(client)
	if err := unix.Sendto(client, []byte("MAINPID=7\nREADY=1\nSTATUS=up\nBARRIER=1\n"), 0, &unix.SockaddrUnix{Name: filepath.Join(link, "notify.sock")}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Sendto(client, []byte("MAINPID=7\n"), 0, &unix.SockaddrUnix{Name: filepath.Join(link, "notify.sock")}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if err := forwardNotify(proxy, managerPath, buf); err != nil {
		t.Fatal(err)
	}
	n, _, err := unix.Recvfrom(manager, buf, unix.MSG_DONTWAIT)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "READY=1\nSTATUS=up\n" {
		t.Errorf("forwarded %q", got)
	}
	if _, _, err := unix.Recvfrom(manager, buf, unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Errorf("a MAINPID-only message was forwarded too (%v)", err)
	}
}
