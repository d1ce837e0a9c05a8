package conmon

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
)

// Find returns the PID of the monitor of container id (a pod-conmon whose
// arguments are exactly that ID), or 0 when none runs. It reads every
// process's command line, so it is for the rare case where the PID was
// never recorded (pod died while starting the monitor), not for each
// command.
func Find(id string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0})
		if len(args) != 2 || filepath.Base(string(args[0])) != BinaryName || string(args[1]) != id {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
			return pid
		}
	}
	return 0
}
