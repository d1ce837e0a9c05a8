// Package atomicfile writes a file so that whoever reads its path sees the
// old file or the whole new one, never a part: the data goes to a temporary
// file beside it, which Commit renames into place.
//
// Contracts a caller may rely on:
//
//   - Nothing appears at the path before Commit; a failed or abandoned
//     write (Close without Commit, or Commit failing) leaves no file behind,
//     neither at the path nor the temporary one.
//   - After Commit returns nil the new file is at the path with the mode
//     given to Create (not reduced by the umask), and both its data and its
//     directory entry are on disk (fsync'ed), so a crash keeps it.
//   - The temporary file is in the same directory as the path (a rename is
//     atomic only within one file system); its name starts with ".", so
//     listings skip it, and Name returns it for writers that want a path.
//   - A process killed before Commit or Close leaves its temporary file;
//     the next Create of the same path removes it once that process is gone
//     (the name carries its maker's PID and start time), never one a live
//     process is writing.
//   - Close is always safe to defer: after Commit it does nothing.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pod-engine/pod/pkg/detach"
)

// File is a file being written; Commit puts it in place.
type File struct {
	f    *os.File
	path string
	perm os.FileMode
	done bool // committed or discarded
}

// Create starts writing path with mode perm. The caller must Close the
// File (Commit then Close, or Close alone to give up).
func Create(path string, perm os.FileMode) (*File, error) {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+".tmp-"
	sweep(dir, prefix)
	tag, err := detach.Tag()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, prefix+tag+"-*")
	if err != nil {
		return nil, err
	}
	return &File{f: f, path: path, perm: perm}, nil
}

// Write writes to the temporary file.
func (a *File) Write(p []byte) (int, error) { return a.f.Write(p) }

// Name is the temporary file's path, for writers that open a path
// themselves: they must write that same file (open it, or truncate it,
// never remove and re-create it), as Commit syncs the file it created.
func (a *File) Name() string { return a.f.Name() }

// Commit syncs the data, sets the mode, renames the file to its path and
// syncs the directory. It always ends the File. On an error before the
// rename the temporary file is removed and the path keeps what it had; only
// a failed sync of the directory returns an error with the file in place.
func (a *File) Commit() (err error) {
	if a.done {
		return errors.New("atomicfile: commit of a closed file")
	}
	a.done = true
	tmp := a.f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := a.f.Chmod(a.perm); err != nil {
		a.f.Close()
		return err
	}
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		return err
	}
	if err := a.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, a.path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(a.path))
}

// Close gives up a File not committed, removing the temporary file. After
// Commit it does nothing.
func (a *File) Close() error {
	if a.done {
		return nil
	}
	a.done = true
	err := a.f.Close()
	if rerr := os.Remove(a.f.Name()); err == nil && rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	return err
}

// WriteFile writes data to path as a whole, as os.WriteFile would but
// through Create and Commit.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// sweep removes from dir the temporary files named prefix+TAG-… whose
// maker is gone.
func sweep(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if owner, ok := strings.CutPrefix(e.Name(), prefix); ok && strings.Contains(owner, "@") && detach.TagGone(owner) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
