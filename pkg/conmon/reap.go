package conmon

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// A monitor stays the child of the pod process that started it (no
// double fork), and must be collected when it exits or it lingers as a
// zombie for as long as that process lives. For a CLI command that is
// moments; for `pod system service` it is days. Waiting on each monitor
// with its own goroutine would hold a goroutine and a pidfd per running
// container and exec session; instead one reaper collects them all with
// wait4 on their PIDs, woken by SIGCHLD. It is process-wide because
// children are: whichever Runtime started a monitor, this process reaps it.
var children reaper

type reaper struct {
	mu      sync.Mutex
	pids    map[int]struct{}
	running bool
}

// adopt hands p to the reaper. p's own handle (its pidfd) is released: the
// PID cannot be reused until it is reaped, and only the reaper reaps it.
func (r *reaper) adopt(p *os.Process) {
	pid := p.Pid
	p.Release()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pids == nil {
		r.pids = make(map[int]struct{})
	}
	r.pids[pid] = struct{}{}
	if !r.running {
		r.running = true
		go r.loop()
	}
}

// loop reaps until no adopted child is left. SIGCHLD wakes it; a slow
// tick covers a signal that came between a scan and the wait for the next.
func (r *reaper) loop() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, unix.SIGCHLD)
	defer signal.Stop(sig)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		if r.scan() == 0 {
			return
		}
		select {
		case <-sig:
		case <-tick.C:
		}
	}
}

// scan collects every adopted child that has exited and says how many are
// left; with none left it marks the loop stopped under the same lock, so
// that a child adopted meanwhile starts a new one.
func (r *reaper) scan() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for pid := range r.pids {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if got == pid || errors.Is(err, unix.ECHILD) {
			delete(r.pids, pid)
		}
	}
	if len(r.pids) == 0 {
		r.running = false
	}
	return len(r.pids)
}
