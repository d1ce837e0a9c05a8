package slirp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pod-engine/pod/pkg/detach"

	"github.com/rootless-containers/rootlesskit/pkg/port"
	"github.com/rootless-containers/rootlesskit/pkg/port/builtin"

	"github.com/pod-engine/pod/pkg/netns"
)

// Main is the helper process: os.Args are [ReexecName, dir]. It reports
// that it is ready, or what failed, to Start (package detach), then runs
// until SIGTERM.
func Main() {
	ready := detach.NewReporter()
	if err := serve(os.Args[1:], ready); err != nil {
		ready.Fail(err)
	}
}

func serve(args []string, ready *detach.Reporter) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: %s DIR", ReexecName)
	}
	dir := args[0]
	var cfg Config
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err == nil {
		err = json.Unmarshal(b, &cfg)
	}
	if err != nil {
		return fmt.Errorf("read helper config: %w", err)
	}
	// slirp4netns and the port child end when this process does: they
	// watch a pipe whose write end only this process holds. (Pdeathsig
	// would fire when the forking OS thread ends, which a Go process does
	// not control.)
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer lifeW.Close()
	if !cfg.PortsOnly {
		sl, err := startSlirp(dir, cfg, lifeR)
		if err != nil {
			return err
		}
		defer func() { sl.Process.Kill(); sl.Wait() }()
	}
	if len(cfg.Ports) > 0 {
		stop, err := publish(dir, cfg, lifeR)
		if err != nil {
			return err
		}
		defer stop()
	}
	lifeR.Close()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	ready.Ready()
	<-sig
	return nil
}

// startSlirp starts slirp4netns for cfg.NetNS and waits until it has
// configured the namespace.
func startSlirp(dir string, cfg Config, lifeR *os.File) (*exec.Cmd, error) {
	slirpBin, err := lookSlirp(cfg.Binary)
	if err != nil {
		return nil, err
	}
	sr, sw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer sr.Close()
	sl := exec.Command(slirpBin, append(slirpArgs(cfg), "--ready-fd=3", "--exit-fd=4", cfg.NetNS, "tap0")...)
	sl.Stdout, sl.Stderr = os.Stderr, os.Stderr
	sl.ExtraFiles = []*os.File{sw, lifeR}
	if err := sl.Start(); err != nil {
		sw.Close()
		return nil, fmt.Errorf("start slirp4netns: %w", err)
	}
	sw.Close()
	buf := make([]byte, 1)
	if n, _ := sr.Read(buf); n != 1 || buf[0] != '1' {
		sl.Process.Kill()
		err := sl.Wait()
		return nil, fmt.Errorf("slirp4netns failed to configure %s: %v (see %s)", cfg.NetNS, err, filepath.Join(dir, "log"))
	}
	return sl, nil
}

// publish runs the port driver: its parent side here, in the host's
// namespace, and its child side in a process inside the container's.
func publish(dir string, cfg Config, life *os.File) (stop func(), err error) {
	parent, err := builtin.NewParentDriver(os.Stderr, dir)
	if err != nil {
		return nil, fmt.Errorf("port driver: %w", err)
	}
	op, err := json.Marshal(parent.OpaqueForChild())
	if err != nil {
		return nil, err
	}
	child := exec.Command("/proc/self/exe", string(op))
	child.Args[0] = ChildReexecName
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	child.ExtraFiles = []*os.File{life}
	if err := netns.Do(cfg.NetNS, child.Start); err != nil {
		return nil, fmt.Errorf("start port driver in %s: %w", cfg.NetNS, err)
	}
	quit := make(chan struct{})
	initDone := make(chan struct{}, 1)
	errc := make(chan error, 1)
	go func() { errc <- parent.RunParentDriver(initDone, quit, &port.ChildContext{}) }()
	cleanup := func() {
		close(quit)
		child.Process.Kill()
		child.Wait()
	}
	select {
	case <-initDone:
	case err := <-errc:
		cleanup()
		return nil, fmt.Errorf("port driver: %v", err)
	}
	ctx := context.Background()
	childIP := cfg.ChildIP
	if childIP == "" {
		childIP = ContainerIP
	}
	for _, pm := range cfg.Ports {
		for i := 0; i < pm.Count(); i++ {
			spec := port.Spec{
				Proto:      pm.Protocol,
				ParentIP:   pm.HostIP,
				ParentPort: int(pm.HostPort) + i,
				ChildPort:  int(pm.ContainerPort) + i,
				ChildIP:    childIP,
			}
			if _, err := parent.AddPort(ctx, spec); err != nil {
				cleanup()
				return nil, fmt.Errorf("publish host port %d/%s: %v", spec.ParentPort, spec.Proto, strings.TrimPrefix(err.Error(), "listen tcp "))
			}
		}
	}
	return cleanup, nil
}

// ChildMain is the port driver's child, inside the container's namespace:
// os.Args[1] is the parent's opaque configuration as JSON. It exits when
// the helper does (end of file on descriptor 3).
func ChildMain() {
	go func() {
		io.Copy(io.Discard, os.NewFile(3, "life"))
		os.Exit(0)
	}()
	var op map[string]string
	if len(os.Args) < 2 || json.Unmarshal([]byte(os.Args[1]), &op) != nil {
		fmt.Fprintln(os.Stderr, "port child: bad arguments")
		os.Exit(1)
	}
	if err := builtin.NewChildDriver(io.Discard).RunChildDriver(op, make(chan struct{})); err != nil {
		fmt.Fprintln(os.Stderr, "port child:", err)
		os.Exit(1)
	}
}
