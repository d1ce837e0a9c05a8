// Package slirp gives a rootless container's network namespace its way out
// and its published ports, without privileges: slirp4netns connects a tap
// device in the namespace to the host's sockets (user-mode NAT), and
// rootlesskit's builtin port driver listens on the host ports and hands each
// accepted connection to a process inside the namespace, which connects to
// the container's address.
//
// Both must outlive the `pod` command that started the container, so they
// run under one small helper process per container (the pod binary
// re-executed as "pod-slirp"), in its own session; Stop ends it, and with it
// slirp4netns and the port child (they watch a pipe only the helper holds).
// Its state lives in the directory given to Start: config.json, pid, log and
// the port driver's socket.
package slirp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

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
}

// Start starts the helper for the namespace in cfg, with its state in dir,
// and returns once slirp4netns has configured the namespace and every port
// is published. On error nothing keeps running.
func Start(ctx context.Context, dir string, cfg Config) error {
	if _, err := lookSlirp(); err != nil {
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
	cmd := reexec.Command(ReexecName, dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := detach.Start(ctx, cmd, filepath.Join(dir, "pid")); err != nil {
		return fmt.Errorf("start slirp4netns helper: %w", err)
	}
	return nil
}

// Stop ends the helper whose state is in dir, if it runs, waits for it to
// be gone (so its host ports are free again), and removes dir. A missing
// dir is fine.
func Stop(ctx context.Context, dir string) error {
	if pid := running(dir); pid != 0 {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop slirp4netns helper: %w", err)
		}
		// SIGKILL if it does not end soon: its children end with it anyway.
		deadline := time.Now().Add(5 * time.Second)
		for running(dir) == pid {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			select {
			case <-ctx.Done():
				syscall.Kill(pid, syscall.SIGKILL)
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// running is the helper's PID if it is alive (not a zombie), else 0.
func running(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0
	}
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	if len(args) < 2 || string(args[0]) != ReexecName || string(args[1]) != dir {
		return 0
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err == nil {
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			return 0
		}
	}
	return pid
}

func lookSlirp() (string, error) {
	for _, p := range []string{"/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("slirp4netns is not installed: rootless containers need it for networking (Debian package slirp4netns)")
}

// Running reports whether the helper whose state is in dir runs.
func Running(dir string) bool { return running(dir) != 0 }
