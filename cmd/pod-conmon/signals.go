package main

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ignored signal dispositions survive exec, so whatever pod's caller ignored
// (make ignores the real-time signals 32 and 33; nohup ignores SIGHUP) would
// reach the container through the runtime. Containers start with every
// signal at its default, as in Docker.

// sigaction is the kernel's struct sigaction on amd64 and arm64 (the layout
// Go's runtime uses on both).
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	sigDfl = 0
	sigIgn = 1
)

func getSigaction(sig int) (sigaction, bool) {
	var old sigaction
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	return old, e == 0
}

func setSigaction(sig int, act sigaction) {
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
}

// keptIgnored are signals the monitor itself keeps ignoring when its caller
// ignored them, so that a terminal's hangup or interrupt cannot end it; they
// are reset only around starting a child (withDefaultSignals).
func keptIgnored(sig int) bool { return sig == int(unix.SIGHUP) || sig == int(unix.SIGINT) }

// resetIgnoredSignals sets every ignored signal but SIGHUP and SIGINT back
// to its default. The Go runtime leaves the signals it does not handle
// untouched, so nothing of the monitor depends on them.
func resetIgnoredSignals() {
	for sig := 1; sig <= 64; sig++ {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) || keptIgnored(sig) {
			continue
		}
		if old, ok := getSigaction(sig); ok && old.handler == sigIgn {
			setSigaction(sig, sigaction{handler: sigDfl})
		}
	}
}

// withDefaultSignals runs start (a fork and exec) with SIGHUP and SIGINT at
// their defaults, then ignores them again if they were ignored.
func withDefaultSignals(start func()) {
	var restore []int
	for _, sig := range []int{int(unix.SIGHUP), int(unix.SIGINT)} {
		if old, ok := getSigaction(sig); ok && old.handler == sigIgn {
			setSigaction(sig, sigaction{handler: sigDfl})
			restore = append(restore, sig)
		}
	}
	start()
	for _, sig := range restore {
		setSigaction(sig, sigaction{handler: sigIgn})
	}
}
