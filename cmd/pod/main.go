// Command pod is a daemonless, rootless-first container engine with a
// Docker- and Podman-compatible command line.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/containers/storage/pkg/reexec"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/diskspace"
	"github.com/pod-engine/pod/pkg/inherit"
	"github.com/pod-engine/pod/pkg/nameserver"
	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/slirp"
)

func main() {
	reexec.Register(rootless.PauseName, rootless.PauseMain)
	reexec.Register(nameserver.ReexecName, nameserver.Main)
	reexec.Register(slirp.ReexecName, slirp.Main)
	reexec.Register(slirp.ChildReexecName, slirp.ChildMain)
	if reexec.Init() {
		return
	}
	began := takeProcessStart(time.Now())
	// Before anything starts a child: what pod's caller handed down
	// (systemd's sockets, descriptors for --preserve-fds) goes only where
	// a command passes it on.
	inherited := inherit.Take()
	stopProfile := startProfile()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	g := cli.NewGlobals()
	// The service manager's socket is the engine's to use (--sdnotify),
	// never something the runtime, the monitor's cleanup or a healthcheck
	// inherits: runc answers NOTIFY_SOCKET itself.
	g.NotifySocket = os.Getenv("NOTIFY_SOCKET")
	os.Unsetenv("NOTIFY_SOCKET")
	g.Inherited = inherited
	root := newRootCommand(g, began)
	err := refuseLeadingConnection(root.PersistentFlags(), os.Args[1:])
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
	stop()
	stopProfile()
	if err != nil {
		// "no space left on device" alone does not say where to free it.
		err = diskspace.ExplainPath(err, g.Root)
		if msg := cli.Message(err); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
		}
	}
	if g.Recorder != nil {
		g.Recorder.Write(os.Stderr, time.Now())
	}
	if err != nil {
		os.Exit(cli.ExitCode(err))
	}
}
