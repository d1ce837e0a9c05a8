package engine

import (
	"os"

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
//	create-stored    create wrote the row and the container layer, before
//	                 the rest of create (its undo must survive Ctrl-C)
const crashEnv = "POD_TEST_CRASH_AT"

const (
	faultStartRecorded = "start-recorded"
	faultStartRan      = "start-ran"
)

// crashPoint kills this process when POD_TEST_CRASH_AT names point.
func crashPoint(point string) {
	if os.Getenv(crashEnv) == point {
		unix.Kill(os.Getpid(), unix.SIGKILL)
		select {} // the signal is on its way
	}
}
