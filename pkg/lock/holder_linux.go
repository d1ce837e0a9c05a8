package lock

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Holder returns the PID of a process holding a flock on path, as
// /proc/locks reports it, or 0 when none is known. It is for messages
// ("waiting for PID N"), never for decisions: the PID is that of the
// process that took the lock, which may have passed the descriptor on, and
// is 0 when that process is outside this PID namespace.
func Holder(path string) int {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0
	}
	// /proc/locks names a file as MAJOR:MINOR:INODE, the device numbers in
	// hex: "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF".
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		// A waiter's line starts "1: -> FLOCK ..."; only holders count.
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != want {
			continue
		}
		if pid, err := strconv.Atoi(fields[4]); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}
