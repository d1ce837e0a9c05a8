package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/detach"
)

// Temporary files. Every temporary file and directory pod makes for
// storage work (a pull's blobs, a commit's or import's layer tar, a load's
// spooled archive, a save's archive, a build's context and heredocs, and
// what containers/image buffers through SystemContext.BigFilesTemporaryDir)
// lives in one directory per process under GRAPHROOT/tmp, named
//
//	op-PID@STARTTIME-RANDOM
//
// where STARTTIME is the process's start time in clock ticks after boot
// (/proc/PID/stat): with the PID it names one process, so a directory is
// never taken for a dead process's because its PID was reused, and the
// directory of a live process is never swept. Store.Close removes the
// directory; a process killed with SIGKILL leaves it, and the next pod
// process that opens the store removes it (one readdir of GRAPHROOT/tmp,
// and one small /proc read per directory found there).

// tempDirPrefix is the name of this process's temporary directory, up to
// the random part.
func tempDirPrefix() (string, error) {
	tag, err := detach.Tag()
	if err != nil {
		return "", err
	}
	return "op-" + tag + "-", nil
}

// makeTempDir sweeps base of what dead processes left, then makes this
// process's temporary directory in it.
func makeTempDir(base string) (string, error) {
	sweepDeadTempDirs(base)
	prefix, err := tempDirPrefix()
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	dir, err := os.MkdirTemp(base, prefix)
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	return dir, nil
}

// TempDir is this process's temporary directory (see above). Whatever is
// made in it is removed by its maker, or with the directory when the
// process dies.
func (s *Store) TempDir() string { return s.sys.BigFilesTemporaryDir }

// opTempDir makes a private temporary directory for one image copy in this
// process's temporary directory. The caller removes it.
func (s *Store) opTempDir() (string, error) {
	dir, err := os.MkdirTemp(s.TempDir(), "pull-")
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	return dir, nil
}

// legacyTempAge is how old a loose temporary file of an older pod (made
// directly in GRAPHROOT/tmp, not in a process's directory) must be to be
// removed: its maker may still run, and nothing tells.
const legacyTempAge = 24 * time.Hour

// legacyTempPrefixes name the loose temporary files older pods made.
var legacyTempPrefixes = []string{"commit-", "import-", "load-", "oci-load-", ".pod-save-", "build-context-"}

// sweepDeadTempDirs removes from base the temporary directories of
// processes that are gone, and old loose files of older pods. Errors are
// ignored: a leftover costs disk space, not correctness.
func sweepDeadTempDirs(base string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if owner, ok := strings.CutPrefix(name, "op-"); ok {
			if detach.TagGone(owner) {
				_ = os.RemoveAll(filepath.Join(base, name))
			}
			continue
		}
		for _, p := range legacyTempPrefixes {
			if !strings.HasPrefix(name, p) {
				continue
			}
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > legacyTempAge {
				_ = os.RemoveAll(filepath.Join(base, name))
			}
			break
		}
	}
}
