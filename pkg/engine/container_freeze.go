package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/state"
)

// freezeForRead freezes c, when it is running, while the caller reads its
// tree from the host (commit's layer, diff's changes): a container that
// runs meanwhile can swap a directory it owns with a symlink to the
// host's / between the reader's lstat and its open, and have the host's
// files read in its place. The returned thaw undoes the freeze; a
// container already paused or not running is left as it is. The freezer
// cgroup does it where the container has one; else (rootless on cgroup
// v1) every process of the container's PID namespace is stopped with
// SIGSTOP, which no process can catch or ignore. The freeze is the
// runtime's alone: the container's recorded status and its events do not
// change, as with `commit --pause`.
func (r *Runtime) freezeForRead(ctx context.Context, c *Container) (thaw func(), err error) {
	if c.Status != state.StatusRunning {
		return func() {}, nil
	}
	if !r.cgroupsUsable() {
		cont, err := stopNamespace(c.PID)
		if err != nil {
			return nil, fmt.Errorf("stop container %s while its files are read: %w", shortID(c.ID), err)
		}
		return cont, nil
	}
	rt, err := r.ociFor(c)
	if err != nil {
		return nil, err
	}
	if err := rt.Pause(ctx, c.ID); err != nil {
		// The freezer can fail to settle on a container that forks hard
		// on a loaded host (runc gives up: "unable to freeze"). Stopping
		// its processes one by one does the same job; the cgroup is
		// thawed first in case the runtime left it half frozen.
		_ = rt.Resume(context.WithoutCancel(ctx), c.ID)
		cont, serr := stopNamespace(c.PID)
		if serr != nil {
			return nil, fmt.Errorf("freeze container %s while its files are read: %w (stopping its processes: %v)", shortID(c.ID), err, serr)
		}
		logrus.Debugf("freeze %s: %v; its processes are stopped instead", shortID(c.ID), err)
		return cont, nil
	}
	return func() {
		if err := rt.Resume(context.WithoutCancel(ctx), c.ID); err != nil {
			logrus.Warnf("thaw container %s: %v", shortID(c.ID), err)
		}
	}, nil
}

// stopNamespace stops every process in the PID namespace of pid (a
// container's first process) with SIGSTOP, and returns the function that
// continues the ones it stopped. A container's processes, those of exec
// included, all live in its PID namespace; one forked while /proc is
// walked is found by walking again, until a walk finds none left running.
// A process already stopped is left stopped.
func stopNamespace(pid int) (cont func(), err error) {
	target, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
	if err != nil {
		return nil, err
	}
	stopped := map[int]bool{}
	cont = func() {
		for p := range stopped {
			_ = unix.Kill(p, unix.SIGCONT)
		}
	}
	for range 200 {
		found := false
		ents, err := os.ReadDir("/proc")
		if err != nil {
			cont()
			return nil, err
		}
		for _, e := range ents {
			p, err := strconv.Atoi(e.Name())
			if err != nil || stopped[p] {
				continue
			}
			if ns, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err != nil || ns != target {
				continue
			}
			if procState(p) == 'T' {
				continue
			}
			if err := unix.Kill(p, unix.SIGSTOP); err == nil {
				stopped[p] = true
				found = true
			}
		}
		if !found {
			// SIGSTOP takes effect when the process next leaves the
			// kernel: wait until each one shows as stopped.
			deadline := time.Now().Add(5 * time.Second)
			for p := range stopped {
				for s := procState(p); s != 'T' && s != 0; s = procState(p) {
					if time.Now().After(deadline) {
						cont()
						return nil, fmt.Errorf("process %d does not stop", p)
					}
					time.Sleep(time.Millisecond)
				}
			}
			return cont, nil
		}
	}
	cont()
	return nil, errors.New("its processes keep multiplying")
}

// procState is the state letter of /proc/pid/stat ('R', 'S', 'T'...), 0
// when the process is gone.
func procState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: the state
	// follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}
