// Command pod-conmon monitors one container: it runs the OCI runtime's
// create, holds the container's stdio, writes its log, serves attach clients,
// reaps it as subreaper, records its exit and runs pod's cleanup. pod starts
// it through pkg/conmon, which documents the protocol; see also
// docs/pod-protocol.md.
//
// It links only the standard library and golang.org/x/sys and avoids fmt:
// one runs per container, so its memory is paid many times.
package main

import (
	"io"
	"os"
	"strconv"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

const (
	configFD = 3 // the Config as JSON, read to EOF
	syncFD   = 4 // one SyncMessage, then closed

	// stageEnv marks the second execution: the first one only re-executes
	// and exits, so that the monitor is orphaned and not pod's child.
	stageEnv = "_POD_CONMON_STAGE"
)

func main() {
	// The protocol descriptors must not leak into the runtime or the
	// container.
	unix.CloseOnExec(configFD)
	unix.CloseOnExec(syncFD)
	resetIgnoredSignals()
	if os.Getenv(stageEnv) == "" {
		// Whatever else pod had open without close-on-exec (its caller's
		// pipes, say) would stay open in the monitor for the container's
		// lifetime: keep only the protocol descriptors.
		closeInherited()
		os.Exit(respawn())
	}
	os.Unsetenv(stageEnv)
	os.Exit(monitorMain())
}

// respawn runs in the first process, a session leader thanks to the caller's
// setsid. It starts the monitor proper and exits at once; the monitor is then
// reparented away from pod and, not being a session leader, can never
// acquire a controlling terminal.
func respawn() int {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		reportSync(&protocol.SyncMessage{Error: "open /dev/null: " + err.Error()})
		return 1
	}
	attr := &os.ProcAttr{
		Env: append(os.Environ(), stageEnv+"=2"),
		Files: []*os.File{null, null, null,
			os.NewFile(configFD, "config"), os.NewFile(syncFD, "sync")},
	}
	p, err := os.StartProcess("/proc/self/exe", os.Args, attr)
	if err != nil {
		reportSync(&protocol.SyncMessage{Error: "start monitor: " + err.Error()})
		return 1
	}
	p.Release()
	return 0
}

// reportSync writes the one sync message and closes the pipe. It fails when
// pod no longer listens.
func reportSync(msg *protocol.SyncMessage) error {
	f := os.NewFile(syncFD, "sync")
	defer f.Close()
	_, err := f.Write(msg.AppendJSON(nil))
	return err
}

func monitorMain() int {
	f := os.NewFile(configFD, "config")
	b, err := io.ReadAll(f)
	f.Close()
	var cfg *protocol.Config
	if err == nil {
		cfg, err = protocol.Decode(b)
	}
	if err != nil {
		reportSync(&protocol.SyncMessage{Error: "read config: " + err.Error()})
		return 1
	}
	m := &monitor{cfg: cfg}
	return m.run()
}

// closeInherited marks every descriptor above the protocol's close-on-exec,
// so that the monitor proper starts with stdio and fds 3 and 4 only.
func closeInherited() {
	if unix.CloseRange(syncFD+1, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	// Kernels before 5.11: walk /proc/self/fd.
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if fd, err := strconv.Atoi(n); err == nil && fd > syncFD {
			unix.CloseOnExec(fd)
		}
	}
}
