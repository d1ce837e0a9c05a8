package nameserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pod-engine/pod/pkg/detach"

	"github.com/containers/storage/pkg/reexec"
	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// ReexecName is the name the pod binary is re-executed under to serve; the
// command must register Main under it (reexec.Register).
const ReexecName = "pod-nameserver"

// upstreamFlag marks an upstream resolver among the server's arguments.
const upstreamFlag = "--upstream="

// Running returns the PID of the network's server, or 0.
func (d Dir) Running() int {
	pid := detach.ReadPID(d.pidFile())
	if pid == 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0
	}
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	if len(args) < 2 || string(args[0]) != ReexecName || string(args[1]) != string(d) {
		return 0 // the PID was reused by another process
	}
	return pid
}

// Start starts the network's server listening on addrs (port 53) unless it
// runs already, and returns once it is listening. Other names are forwarded
// to upstreams (host:port), or, when there are none, to the resolvers of
// the host's /etc/resolv.conf. The caller holds Lock.
func (d Dir) Start(ctx context.Context, addrs, upstreams []string) error {
	if d.Running() != 0 {
		return nil
	}
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(d.logFile(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("name server log: %w", err)
	}
	defer logf.Close()
	args := []string{ReexecName, string(d)}
	for _, u := range upstreams {
		args = append(args, upstreamFlag+u)
	}
	cmd := reexec.Command(append(args, addrs...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := detach.Start(ctx, cmd, d.pidFile()); err != nil {
		return fmt.Errorf("start name server: %w", err)
	}
	return nil
}

// Stop stops the network's server if it runs. The caller holds Lock.
func (d Dir) Stop() error {
	if pid := d.Running(); pid != 0 {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop name server: %w", err)
		}
	}
	if err := os.Remove(d.pidFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Main is the server process: os.Args are [ReexecName, dir, addr...]. It
// reports that it listens, or why it could not, to Start (package detach).
func Main() {
	ready := detach.NewReporter()
	fail := ready.Fail
	if len(os.Args) < 3 {
		fail(fmt.Errorf("usage: %s DIR ADDR...", ReexecName))
	}
	var addrs, upstreams []string
	for _, a := range os.Args[2:] {
		if u, ok := strings.CutPrefix(a, upstreamFlag); ok {
			upstreams = append(upstreams, u)
		} else {
			addrs = append(addrs, a)
		}
	}
	if len(upstreams) == 0 {
		upstreams = HostResolvers("/etc/resolv.conf", addrs)
	}
	s := &server{dir: Dir(os.Args[1]), upstreams: upstreams}
	var servers []*dns.Server
	// Free binding: a fresh IPv6 gateway address is still tentative (DAD)
	// when the first container attaches.
	lc := net.ListenConfig{Control: freeBind}
	ctx := context.Background()
	for _, a := range addrs {
		addr := net.JoinHostPort(a, "53")
		pc, err := lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			fail(fmt.Errorf("listen on %s/udp: %w", addr, err))
		}
		l, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			fail(fmt.Errorf("listen on %s/tcp: %w", addr, err))
		}
		servers = append(servers, &dns.Server{PacketConn: pc, Handler: s}, &dns.Server{Listener: l, Handler: s})
	}
	errc := make(chan error, len(servers))
	for _, srv := range servers {
		go func() { errc <- srv.ActivateAndServe() }()
	}
	ready.Ready()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
	case err := <-errc:
		fmt.Fprintln(os.Stderr, "name server:", err)
	}
	for _, srv := range servers {
		srv.Shutdown()
	}
}

func freeBind(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_FREEBIND, 1)
		if serr == nil && strings.Contains(address, "[") {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_IPV6, unix.IPV6_FREEBIND, 1)
		}
	})
	return errors.Join(err, serr)
}
