// Package slirp gives a rootless container's network namespace its way out
// and its published ports, without privileges: slirp4netns connects a tap
// device in the namespace to the host's sockets (user-mode NAT), and
// rootlesskit's builtin port driver listens on the host ports and hands each
// accepted connection to a process inside the namespace, which connects to
// the container's address.
//
// Both must outlive the `pod` command that started the container. With
// published ports they run under one small helper process per container
// (the pod binary re-executed as "pod-slirp"), in its own session; Stop ends
// it, and with it slirp4netns and the port child (they watch a pipe only
// the helper holds). Without ports slirp4netns runs alone, in its own
// session, and Stop ends it directly: one program start-up fewer for most
// containers. The state lives in the directory given to Start: config.json,
// pid (the helper's or slirp4netns's), log and the port driver's socket.
package slirp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/detach"

	"github.com/containers/storage/pkg/reexec"

	"github.com/pod-engine/pod/pkg/network"
)

// Names the pod binary is re-executed under; the command must register
// Main and ChildMain under them.
const (
	ReexecName      = "pod-slirp"
	ChildReexecName = "pod-slirp-port-child"
)

// Addresses slirp4netns --configure gives the namespace.
const (
	ContainerIP = "10.0.2.100"
	Gateway     = "10.0.2.2"
	DNS         = "10.0.2.3"
	MTU         = 65520
)

// Config is what the helper needs.
type Config struct {
	NetNS string                `json:"netns"`
	Ports []network.PortMapping `json:"ports,omitempty"`
	// PortsOnly publishes Ports into NetNS without starting slirp4netns:
	// for a container on a rootless bridge network, whose way out is the
	// slirp4netns of the namespace holding the bridges.
	PortsOnly bool `json:"portsOnly,omitempty"`
	// ChildIP is where published connections go inside NetNS
	// (default ContainerIP, slirp4netns's address for the namespace).
	ChildIP string `json:"childIP,omitempty"`
	// Binary is the slirp4netns binary (podman's --network-cmd-path);
	// "" looks in /usr/bin and /usr/local/bin.
	Binary string `json:"binary,omitempty"`
}

// Start starts the helper for the namespace in cfg, with its state in dir,
// and returns once slirp4netns has configured the namespace and every port
// is published. On error nothing keeps running.
func Start(ctx context.Context, dir string, cfg Config) error {
	if _, err := lookSlirp(cfg.Binary); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	if !cfg.PortsOnly && len(cfg.Ports) == 0 {
		return startDirect(ctx, dir, cfg, logf)
	}
	cmd := reexec.Command(ReexecName, dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := detach.Start(ctx, cmd, filepath.Join(dir, "pid")); err != nil {
		return fmt.Errorf("start slirp4netns helper: %w", err)
	}
	return nil
}

// startDirect starts slirp4netns itself, in a session of its own, when
// there is nothing else for the helper to hold (no published ports): one
// program start-up fewer per container. Stop ends it by its PID, as it
// ends the helper.
func startDirect(ctx context.Context, dir string, cfg Config, logf *os.File) error {
	bin, err := lookSlirp(cfg.Binary)
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(bin, append(slirpArgs(cfg), "--ready-fd=3", cfg.NetNS, "tap0")...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("start slirp4netns: %w", err)
	}
	// Recorded before the wait: killed while waiting, pod leaves
	// slirp4netns running, and the next Stop must find it.
	pidFile := filepath.Join(dir, "pid")
	if err := detach.WritePID(pidFile, cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	ready := make(chan bool, 1)
	go func() {
		buf := make([]byte, 1)
		n, _ := r.Read(buf)
		ready <- n == 1 && buf[0] == '1'
	}()
	select {
	case ok := <-ready:
		if !ok {
			err = fmt.Errorf("slirp4netns failed to configure %s (see %s)", cfg.NetNS, filepath.Join(dir, "log"))
		}
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		os.Remove(pidFile)
		return err
	}
	return cmd.Process.Release()
}

// slirpArgs are slirp4netns's options for cfg, before the descriptors,
// the namespace and the device.
func slirpArgs(cfg Config) []string {
	return []string{"--configure", "--mtu=" + strconv.Itoa(MTU), "--disable-host-loopback", "--netns-type=path"}
}

// Stop ends the helper whose state is in dir, if it runs, waits for it to
// be gone (so its host ports are free again), and removes dir. A missing
// dir is fine. The helper is found by its pid file, or, when a pod killed
// between starting it and recording it left none, by its command line.
func Stop(ctx context.Context, dir string) error {
	pid := running(dir)
	if pid == 0 {
		pid = unrecorded(dir)
	}
	if pid != 0 {
		// A pidfd names this process even if its PID is reused, and turns
		// readable only once all its threads have exited: the Go helper's
		// leader shows as a zombie while its other threads still hold the
		// listening sockets.
		pfd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			if errors.Is(err, unix.ESRCH) {
				return removeState(dir)
			}
			return fmt.Errorf("stop slirp4netns helper: %w", err)
		}
		defer unix.Close(pfd)
		if err := unix.PidfdSendSignal(pfd, unix.SIGTERM, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("stop slirp4netns helper: %w", err)
		}
		// SIGKILL if it does not end soon: its children end with it anyway.
		deadline := time.Now().Add(5 * time.Second)
		for !exited(pfd, 5*time.Millisecond) {
			if time.Now().After(deadline) {
				unix.PidfdSendSignal(pfd, unix.SIGKILL, nil, 0)
			}
			if ctx.Err() != nil {
				unix.PidfdSendSignal(pfd, unix.SIGKILL, nil, 0)
				return ctx.Err()
			}
		}
	}
	return removeState(dir)
}

// exited waits up to d for the process behind pfd to have ended.
func exited(pfd int, d time.Duration) bool {
	fds := []unix.PollFd{{Fd: int32(pfd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(d.Milliseconds()))
	return err == nil && n > 0
}

func removeState(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// running is the helper's PID if it is alive (not a zombie), else 0.
func running(dir string) int {
	pid := detach.ReadPID(filepath.Join(dir, "pid"))
	if pid == 0 || !isOurs(pid, dir) {
		return 0
	}
	return pid
}

// isOurs reports whether process pid is the helper, or the lone
// slirp4netns, of dir.
func isOurs(pid int, dir string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	return isHelper(args, dir) || isDirect(args, dir)
}

// unrecorded looks through /proc for the helper of dir when dir exists
// without a pid file: Start makes dir before it starts the helper and
// writes the pid file just after, so only a pod killed in between leaves
// this, and only then is the scan paid for.
func unrecorded(dir string) int {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		return 0
	}
	if _, err := os.Stat(filepath.Join(dir, "pid")); err == nil {
		return 0
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if isOurs(pid, dir) {
			return pid
		}
	}
	return 0
}

func isHelper(args [][]byte, dir string) bool {
	return len(args) >= 2 && string(args[0]) == ReexecName && string(args[1]) == dir
}

// isDirect reports whether args are those of a slirp4netns startDirect
// started for the namespace in dir's config.json.
func isDirect(args [][]byte, dir string) bool {
	if len(args) < 3 {
		return false
	}
	var cfg Config
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil || json.Unmarshal(b, &cfg) != nil {
		return false
	}
	bin := string(args[0])
	if filepath.Base(bin) != "slirp4netns" && (cfg.Binary == "" || bin != cfg.Binary) {
		return false
	}
	return string(args[len(args)-2]) == cfg.NetNS
}

func lookSlirp(bin string) (string, error) {
	if bin != "" {
		if st, err := os.Stat(bin); err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("--network-cmd-path %s: not an executable file", bin)
		}
		return bin, nil
	}
	for _, p := range []string{"/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("slirp4netns is not installed: rootless containers need it for networking (Debian package slirp4netns)")
}

// Running reports whether the helper whose state is in dir runs.
func Running(dir string) bool { return running(dir) != 0 }
