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
	"os"
	"strconv"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

const (
	configFD = 3 // the Config as JSON, read to EOF
	syncFD   = 4 // one SyncMessage, then closed

	// stageEnv marks a second execution, made only when the first found
	// descriptors it must not keep (see main).
	stageEnv = "_POD_CONMON_STAGE"
)

func main() {
	// The protocol descriptors must not leak into the runtime or the
	// container; the ones to pass on (Config.PreserveFDs) are handed to
	// the runtime explicitly.
	for fd := configFD; fd < max(protocolFDs(), protocol.ClientFD+1); fd++ {
		unix.CloseOnExec(fd)
	}
	resetIgnoredSignals()
	// pod starts the monitor with setsid, as its own child, and reaps it:
	// the monitor is in a session of its own, so a terminal's signals and
	// pod's exit never reach it. Whatever pod's caller had open without
	// close-on-exec (its pipes, say) would stay open here for the
	// container's lifetime. Such descriptors are rare and cannot be closed
	// blindly (the Go runtime may hold its own), so only then does the
	// monitor mark them close-on-exec and execute itself again, leaving
	// the fresh copy with the protocol's descriptors alone.
	// One buffer serves start-up and then the loop: every distinct
	// allocation size holds a span of heap for the monitor's life.
	scratch := make([]byte, 64<<10)
	if os.Getenv(stageEnv) == "" && inheritedExtra(scratch) {
		closeInherited()
		os.Exit(respawn())
	}
	os.Unsetenv(stageEnv)
	os.Exit(monitorMain(scratch))
}

// protocolFDs is how many descriptors pod handed down on purpose.
func protocolFDs() int {
	if n, err := strconv.Atoi(os.Getenv(protocol.FDsEnv)); err == nil && n > syncFD {
		return n
	}
	return syncFD + 1
}

// inheritedExtra reports whether the monitor holds descriptors beyond the
// protocol's, which it would keep open for the container's lifetime. It
// uses raw system calls (an os.File would start the runtime's poller) and
// parses the directory entries in buf itself, allocating nothing.
func inheritedExtra(buf []byte) bool {
	dfd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true
	}
	defer unix.Close(dfd)
	limit := protocolFDs()
	for {
		n, err := unix.ReadDirent(dfd, buf)
		if err != nil {
			return true
		}
		if n <= 0 {
			return false
		}
		// struct linux_dirent64: ino u64, off s64, reclen u16, type u8,
		// then the NUL-terminated name.
		for b := buf[:n]; len(b) >= 20; {
			reclen := int(b[16]) | int(b[17])<<8
			if reclen < 20 || reclen > len(b) {
				return true
			}
			if fd, ok := atoiName(b[19:reclen]); ok && fd >= limit && fd != dfd {
				return true
			}
			b = b[reclen:]
		}
	}
}

// atoiName parses a NUL-terminated decimal name; "." and ".." are not
// numbers.
func atoiName(name []byte) (int, bool) {
	n, digits := 0, 0
	for _, c := range name {
		if c == 0 {
			break
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		digits++
	}
	return n, digits > 0
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
	// The protocol's descriptors, the client's and those to pass on, in
	// their places.
	files := []*os.File{null, null, null}
	for fd := configFD; fd < protocolFDs(); fd++ {
		files = append(files, os.NewFile(uintptr(fd), "protocol"))
	}
	attr := &os.ProcAttr{
		Env:   append(os.Environ(), stageEnv+"=2"),
		Files: files,
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
	defer unix.Close(syncFD)
	_, err := writeAll(syncFD, msg.AppendJSON(nil))
	return err
}

// monitorMain reads the config into scratch, which the monitor then uses
// as its loop buffer: Decode copies what it keeps.
func monitorMain(scratch []byte) int {
	b, err := readConfig(scratch)
	var cfg *protocol.Config
	if err == nil {
		cfg, err = protocol.Decode(b)
	}
	if err != nil {
		reportSync(&protocol.SyncMessage{Error: "read config: " + err.Error()})
		return 1
	}
	if len(b) > len(scratch) {
		scratch = b // readConfig had to grow it
	}
	m := &monitor{cfg: cfg, buf: scratch[:protocol.MaxPacket]}
	return m.run()
}

// readConfig reads the config pipe to its end into buf: growing a slice
// step by step (io.ReadAll) leaves a span of heap behind in every size
// class it passes, and they all stay in the monitor's memory.
func readConfig(buf []byte) ([]byte, error) {
	defer unix.Close(configFD)
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
		k, err := unix.Read(configFD, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: "config", Err: err}
		}
		if k == 0 {
			return buf[:n], nil
		}
		n += k
	}
}

// closeInherited marks every descriptor above the protocol's close-on-exec,
// so that the monitor proper starts with stdio and the protocol's only.
func closeInherited() {
	limit := protocolFDs()
	if unix.CloseRange(uint(limit), ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
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
		if fd, err := strconv.Atoi(n); err == nil && fd >= limit {
			unix.CloseOnExec(fd)
		}
	}
}
