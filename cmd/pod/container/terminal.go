package container

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// clientTerminal prepares pod's own terminal for a session with a container
// terminal: raw mode on stdin when it feeds the container (so that every key,
// Ctrl-C included, goes to the container's terminal, which echoes and
// interprets it), and the window size now and on every SIGWINCH. restore
// undoes it and may be called more than once.
func clientTerminal(g *cli.Globals, tty, rawStdin bool) (resize <-chan engine.TermSize, restore func()) {
	restore = func() {}
	if !tty {
		return nil, restore
	}
	sizeFd := -1
	if f, ok := g.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		sizeFd = int(f.Fd())
		if rawStdin {
			if old, err := term.MakeRaw(sizeFd); err == nil {
				done := false
				restore = func() {
					if !done {
						done = true
						term.Restore(int(f.Fd()), old)
					}
				}
			}
		}
	}
	if sizeFd < 0 {
		if f, ok := g.ContainerStdout().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			sizeFd = int(f.Fd())
		}
	}
	if sizeFd < 0 {
		return nil, restore
	}
	ch := make(chan engine.TermSize, 1)
	send := func() {
		w, h, err := term.GetSize(sizeFd)
		if err != nil {
			return
		}
		// Only the latest size matters: replace one not yet taken.
		select {
		case <-ch:
		default:
		}
		ch <- engine.TermSize{Rows: uint16(h), Cols: uint16(w)}
	}
	send()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-winch:
				send()
			}
		}
	}()
	rawRestore := restore
	stopped := false
	restore = func() {
		if !stopped {
			stopped = true
			signal.Stop(winch)
			close(stop)
		}
		rawRestore()
	}
	return ch, restore
}
