package conmon

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// StartAttached is Start for a caller that attaches from the first moment:
// the returned Conn is connected (through a socketpair, Config.Client)
// before the runtime runs, so it receives all output of a process that
// runs as soon as the runtime returns (an exec session, a create that also
// starts). With cfg.ClientCleans the caller takes on the exit command's
// work: after the exit packet it does that work and calls Conn.Done; if it
// hangs up without (it was killed), the monitor runs the exit command.
func StartAttached(ctx context.Context, monitorBinary string, cfg Config) (*Started, *Conn, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("start monitor: socketpair: %w", err)
	}
	// A non-blocking descriptor makes os.File use the runtime poller, which
	// gives deadlines and so cancellation.
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("start monitor: %w", err)
	}
	conn := &Conn{f: os.NewFile(uintptr(fds[0]), "attach")}
	remote := os.NewFile(uintptr(fds[1]), "attach-client")
	cfg.Client = true
	started, err := start(ctx, monitorBinary, cfg, remote)
	remote.Close()
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return started, conn, nil
}

// errNoClient is Start refusing a Config that needs StartAttached.
var errNoClient = errors.New("start monitor: a client needs StartAttached")
