package oci

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// maxSignal is the highest Linux signal number (SIGRTMAX).
const maxSignal = 64

// ParseSignal reads a signal as a name ("TERM", "SIGTERM", "sigkill"),
// a real-time offset ("RTMIN+3", "SIGRTMAX-1") or a number ("15"). Anything
// else is an error wrapping errdefs.ErrInvalidArg.
func ParseSignal(s string) (unix.Signal, error) {
	in := strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(in); err == nil {
		if n < 1 || n > maxSignal {
			return 0, errdefs.InvalidArgumentf("invalid signal %q", s)
		}
		return unix.Signal(n), nil
	}
	if !strings.HasPrefix(in, "SIG") {
		in = "SIG" + in
	}
	if sig := unix.SignalNum(in); sig != 0 {
		return sig, nil
	}
	// Real-time signals: SIGRTMIN is 34 for programs using glibc (it keeps
	// 32 and 33 for itself), and SIGRTMAX 64.
	for _, base := range []struct {
		prefix string
		num    int
		dir    int
	}{{"SIGRTMIN", 34, 1}, {"SIGRTMAX", maxSignal, -1}} {
		rest, ok := strings.CutPrefix(in, base.prefix)
		if !ok {
			continue
		}
		off := 0
		if rest != "" {
			sign := rest[0]
			n, err := strconv.Atoi(rest[1:])
			if err != nil || n < 0 || (sign == '+') != (base.dir > 0) || (sign != '+' && sign != '-') {
				break
			}
			off = n * base.dir
		}
		if n := base.num + off; n >= 34 && n <= maxSignal {
			return unix.Signal(n), nil
		}
	}
	return 0, errdefs.InvalidArgumentf("invalid signal %q", s)
}
