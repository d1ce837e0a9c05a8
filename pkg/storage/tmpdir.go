package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// opTempDir makes a private temporary directory for one image copy under
// the store's big-files directory, named after this process so that a
// later command can tell it was left by a process that died (a pull
// killed with SIGKILL leaves its half-downloaded blobs there). It first
// removes such leftovers. The caller removes the returned directory.
func (s *Store) opTempDir() (string, error) {
	base := s.sys.BigFilesTemporaryDir
	sweepDeadTempDirs(base)
	dir, err := os.MkdirTemp(base, fmt.Sprintf("op-%d-", os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	return dir, nil
}

// sweepDeadTempDirs removes op-PID-* directories whose process is gone.
// Errors are ignored: a leftover costs disk space, not correctness.
func sweepDeadTempDirs(base string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "op-")
		if !ok {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 {
			continue
		}
		if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}
