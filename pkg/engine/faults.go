package engine

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// crashEnv exists for tests only: POD_TEST_CRASH_AT=<point> makes pod kill
// itself with SIGKILL when it reaches the named point, so that the
// fault-injection tests (test/e2e/lifecycle_faults_test.go) can check that
// a pod killed exactly there leaves a state the next command reconciles to
// the truth. Unset, as in every normal use, a point costs one getenv.
//
// The points:
//
//	start-recorded   start recorded its intent (the row is running with no
//	                 monitor yet) and is about to spawn the monitor
//	start-ran        the monitor reported the container running, before pod
//	                 recorded its PID and monitor
//	create-row       create added the row, before storage has the
//	                 container's layer
//	volume-dir       a volume's directory is made, its row not yet added
//	                 (volume create, and create/run making a volume)
//	volume-row       volume rm deleted the volume's row, its directory is
//	                 still there
//	network-leased   start leased the container's addresses on a network,
//	                 before attaching it
//	pod-create-row   pod create added the pod and infra rows, before
//	                 storage has the infra container (pod_create.go)
//
// and one where pod interrupts itself instead (SIGINT, as Ctrl-C does), then
// fails as a step cut short by it would:
//
//	create-added     create added the row; its undo must not be cut short
//	                 by the cancellation too
const crashEnv = "POD_TEST_CRASH_AT"

const (
	faultStartRecorded = "start-recorded"
	faultStartRan      = "start-ran"
	faultCreateAdded   = "create-added"
	faultCreateRow     = "create-row"
	faultVolumeDir     = "volume-dir"
	faultVolumeRow     = "volume-row"
	faultNetworkLeased = "network-leased"
)

// crashPoint kills this process when POD_TEST_CRASH_AT names point.
func crashPoint(point string) {
	if os.Getenv(crashEnv) == point {
		unix.Kill(os.Getpid(), unix.SIGKILL)
		select {} // the signal is on its way
	}
}

// interruptPoint, when POD_TEST_CRASH_AT names point, sends this process
// SIGINT, waits for ctx to be cancelled by it and returns the error a step
// interrupted there would; otherwise nil.
func interruptPoint(ctx context.Context, point string) error {
	if os.Getenv(crashEnv) != point {
		return nil
	}
	unix.Kill(os.Getpid(), unix.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
	return fmt.Errorf("interrupted at %s: %w", point, context.Cause(ctx))
}
