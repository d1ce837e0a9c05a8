// Package volume keeps the directories of named volumes under
// GRAPHROOT/volumes, as podman lays them out (NAME/_data holds the data),
// and mounts the filesystems of volumes created with mount options. The
// volumes' records (which exist, their options, which containers use them)
// are rows of the state DB (pkg/state); this package holds what is on disk.
//
// Each volume directory also holds NAME/volume.json, the volume as it was
// created, written once and synced before the directory appears: it is
// what rebuilds the volume's row when the DB is lost, and it is where pods
// before the DB kept their volume records (ReadRecords reads both).
//
// Contracts a caller may rely on:
//
//   - MakeDir and RemoveDir change the directory set atomically: a volume
//     directory is built in a staging directory, synced and renamed into
//     place, and removed by renaming it away first, so a crash leaves a
//     whole directory or none, plus at most a dot-named leftover that
//     Sweep removes.
//   - Callers hold Lock around a directory change and the DB change that
//     goes with it, so that "a row has its directory" holds between
//     processes: directory first and row second on create, row first and
//     directory second on remove. A directory without a row is a leftover
//     of a crash between the two and may be swept.
//   - Errors are categorised with pkg/errdefs: bad options and names are
//     ErrInvalidArg, a volume whose directory is gone ErrNotFound (Mount).
package volume

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
)

// DriverLocal is the only driver: a directory (or a filesystem mounted on
// it when the volume has mount options) on this host.
const DriverLocal = "local"

// NameRule is the pattern a volume name must match (podman's rule).
const NameRule = "[a-zA-Z0-9][a-zA-Z0-9_.-]*"

const (
	dataDir    = "_data"
	recordFile = "volume.json"
)

// Volume is one volume as created: what volume.json holds.
type Volume struct {
	Name      string            `json:"name"`
	Driver    string            `json:"driver"`
	Labels    map[string]string `json:"labels,omitempty"`
	Options   map[string]string `json:"options,omitempty"` // as given with -o: type, device, o
	CreatedAt time.Time         `json:"createdAt"`
	// Anonymous volumes are made for a container (-v /path, an image's
	// VOLUME) and removed with it by rm -v and --rm.
	Anonymous bool `json:"anonymous,omitempty"`
	// UID and GID are the owner -o o=uid=N,gid=N asked for; -1 unset.
	UID int `json:"uid"`
	GID int `json:"gid"`
	// NeedsCopyUp is true until the first container mounts the volume:
	// that mount copies the image's content at the destination into it
	// when it is still empty (Docker's copy-up). volume.json keeps the
	// value at creation (pods before the DB updated it there).
	NeedsCopyUp bool `json:"needsCopyUp"`
}

// CreateOptions say what volume to make.
type CreateOptions struct {
	Name      string // "" = a random 64-hex name
	Driver    string // "" = local
	Labels    map[string]string
	Options   map[string]string
	Anonymous bool
}

// New checks o and returns the volume it describes, not yet made.
func New(o CreateOptions) (*Volume, error) {
	driver := o.Driver
	if driver == "" {
		driver = DriverLocal
	}
	if driver != DriverLocal {
		return nil, errdefs.InvalidArgumentf("unsupported volume driver %q: pod only has the %q driver", driver, DriverLocal)
	}
	mo, err := ParseOptions(o.Options)
	if err != nil {
		return nil, err
	}
	name := o.Name
	if name == "" {
		name = NewName()
	} else if err := ValidateName(name); err != nil {
		return nil, err
	}
	v := &Volume{
		Name: name, Driver: driver, Labels: o.Labels, Options: o.Options,
		CreatedAt: time.Now(), Anonymous: o.Anonymous, UID: mo.UID, GID: mo.GID,
		NeedsCopyUp: true,
	}
	if len(v.Labels) == 0 {
		v.Labels = nil
	}
	if len(v.Options) == 0 {
		v.Options = nil
	}
	return v, nil
}

// Store is the volume directory of one graph root. Its methods are safe
// for concurrent use by many processes.
type Store struct {
	root    string // GRAPHROOT/volumes
	runRoot string // RUNROOT/pod/volumes: mount users and locks
}

// NewStore returns the store under graphRoot, with its run-time state under
// runDir. Nothing is created until a volume is.
func NewStore(graphRoot, runDir string) *Store {
	return &Store{root: filepath.Join(graphRoot, "volumes"), runRoot: runDir}
}

// NewStoreIn is NewStore with the volumes in dir itself, not under a
// graph root (containers.conf's volume_path).
func NewStoreIn(dir, runDir string) *Store {
	return &Store{root: dir, runRoot: runDir}
}

// Root is the directory that holds the volumes.
func (s *Store) Root() string { return s.root }

// Path is the host path of the named volume's data.
func (s *Store) Path(name string) string { return filepath.Join(s.root, name, dataDir) }

// ValidateName checks name against NameRule.
func ValidateName(name string) error {
	ok := name != ""
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '_' || c == '.' || c == '-')
	}
	if !ok {
		return errdefs.InvalidArgumentf("invalid volume name %q: names must match %s", name, NameRule)
	}
	return nil
}

// NewName returns a random 64-hex-character name, as anonymous and unnamed
// volumes get.
func NewName() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		// getrandom does not fail on Linux; if it does nothing else works.
		panic("crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Lock serialises changes to the volume set (directories, the rows that go
// with them, mount state) across processes. One lock for all volumes keeps
// the rules simple; every holder works for milliseconds (mounts and a
// first use's copy-up excepted).
func (s *Store) Lock(ctx context.Context) (*lock.Lock, error) {
	return lock.Acquire(ctx, filepath.Join(s.runRoot, "volumes.lock"))
}

// MakeDir makes v's directory: NAME/_data (mode 0755, owned as v asks)
// and NAME/volume.json, synced, then renamed into place and the rename
// synced. A directory of that name already there belongs to no volume (the
// caller, under Lock, found no row for v.Name) and is removed first.
func (s *Store) MakeDir(v *Volume) error {
	if err := ValidateName(v.Name); err != nil {
		return err
	}
	if err := os.MkdirAll(s.root, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", s.root, err)
	}
	if err := s.RemoveDir(v.Name); err != nil {
		return err
	}
	// Build in a staging directory (its dot name is no valid volume name)
	// and rename into place: a crash leaves only a stray ".tmp-" directory.
	stage, err := os.MkdirTemp(s.root, ".tmp-")
	if err != nil {
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	defer os.RemoveAll(stage)
	if err := s.fillStage(stage, v); err != nil {
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	if err := os.Rename(stage, filepath.Join(s.root, v.Name)); err != nil {
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	if err := syncDir(s.root); err != nil {
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	return nil
}

func (s *Store) fillStage(stage string, v *Volume) error {
	if err := os.Chmod(stage, 0o700); err != nil {
		return err
	}
	data := filepath.Join(stage, dataDir)
	// 0755 as podman: the container's users must be able to reach it.
	if err := os.Mkdir(data, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(data, 0o755); err != nil {
		return err
	}
	if v.UID >= 0 || v.GID >= 0 {
		if err := os.Lchown(data, v.UID, v.GID); err != nil {
			return fmt.Errorf("set owner: %w", err)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(stage, recordFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", recordFile, err)
	}
	return syncDir(stage)
}

// RemoveDir deletes the named volume's directory and data; a missing one
// is no error. Callers delete the volume's row first, in a transaction
// that found no container using it: so a filesystem still mounted on the
// data directory is a leftover (a crash between a container's exit and its
// cleanup), unmounted first, never deleted through.
func (s *Store) RemoveDir(name string) error {
	if ValidateName(name) != nil {
		return errdefs.InvalidArgumentf("invalid volume name %q", name)
	}
	dir := filepath.Join(s.root, name)
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		os.Remove(s.usersFile(name))
		return nil
	}
	if mounted, err := isMountPoint(s.Path(name)); err != nil {
		return err
	} else if mounted {
		if err := unmount(s.Path(name)); err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
		if still, err := isMountPoint(s.Path(name)); err != nil || still {
			return fmt.Errorf("remove volume %s: %s is still mounted", name, s.Path(name))
		}
	}
	gone := filepath.Join(s.root, ".rm-"+name)
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	if err := os.Rename(dir, gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	os.Remove(s.usersFile(name))
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	return nil
}

// ReadRecords returns the volume.json of every volume directory, with
// NeedsCopyUp false where the data directory is not empty (a copy-up
// never fills a volume that has data). Directories without a readable
// record are skipped and named in skipped.
func (s *Store) ReadRecords() (vols []*Volume, skipped []string, err error) {
	entries, err := os.ReadDir(s.root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list volumes: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || ValidateName(e.Name()) != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.root, e.Name(), recordFile))
		v := &Volume{UID: -1, GID: -1}
		if err == nil {
			err = json.Unmarshal(b, v)
		}
		if err != nil || v.Name != e.Name() {
			skipped = append(skipped, e.Name())
			continue
		}
		if v.Driver == "" {
			v.Driver = DriverLocal
		}
		if v.NeedsCopyUp {
			if empty, err := IsEmpty(s.Path(v.Name)); err == nil && !empty {
				v.NeedsCopyUp = false
			}
		}
		vols = append(vols, v)
	}
	return vols, skipped, nil
}

// Sweep removes, under Lock, every volume directory whose name keep
// rejects (leftovers of a crash between a directory and its row) and the
// staging and removal leftovers of killed processes. It returns the names
// of the volume directories it removed.
func (s *Store) Sweep(keep func(name string) bool) ([]string, error) {
	entries, err := os.ReadDir(s.root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, ".tmp-") || strings.HasPrefix(n, ".rm-"):
			if err := os.RemoveAll(filepath.Join(s.root, n)); err != nil {
				errs = append(errs, err)
			}
		case e.IsDir() && ValidateName(n) == nil && !keep(n):
			if err := s.RemoveDir(n); err != nil {
				errs = append(errs, err)
				continue
			}
			removed = append(removed, n)
		}
	}
	return removed, errors.Join(errs...)
}

// syncDir makes the entries of dir (a rename into it) durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
