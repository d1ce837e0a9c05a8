// Package volume keeps named volumes: directories under GRAPHROOT/volumes
// that outlive containers, as podman lays them out (NAME/_data holds the
// data). Each volume's record is NAME/volume.json beside its data, so the
// graph root alone carries volumes across pod versions, restarts and
// reboots; what only lasts while containers run (which containers have a
// volume with mount options mounted) lives in the run root.
//
// Contracts a caller may rely on:
//
//   - A volume appears and disappears atomically: it is built in a staging
//     directory and renamed into place, and removed by renaming it away
//     first, so List never sees half a volume and two creators of one name
//     cannot both succeed.
//   - Errors are categorised with pkg/errdefs: an unknown volume is
//     ErrNotFound, a taken name ErrAlreadyExists, bad options
//     ErrInvalidArg, a volume still mounted ErrConflict.
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
	"sort"
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

// Volume is one volume's record.
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
	// when it is still empty (Docker's copy-up).
	NeedsCopyUp bool `json:"needsCopyUp"`

	// Mountpoint is the host path of the data; not stored.
	Mountpoint string `json:"-"`
}

// CreateOptions say what volume to make.
type CreateOptions struct {
	Name      string // "" = a random 64-hex name
	Driver    string // "" = local
	Labels    map[string]string
	Options   map[string]string
	Anonymous bool
	// IgnoreExisting returns the existing volume of that name instead of
	// ErrAlreadyExists (podman's --ignore).
	IgnoreExisting bool
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

// Root is the directory that holds the volumes.
func (s *Store) Root() string { return s.root }

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

// lock serialises changes to the volume set (create, remove, mount state)
// across processes. One lock for all volumes keeps the rules simple;
// every holder works for milliseconds (mounts excepted).
func (s *Store) lock(ctx context.Context) (*lock.Lock, error) {
	return lock.Acquire(ctx, filepath.Join(s.runRoot, "volumes.lock"))
}

// Create makes a volume. With a mount type in its options the filesystem is
// only mounted when a container uses the volume (Mount).
func (s *Store) Create(ctx context.Context, o CreateOptions) (*Volume, error) {
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
	l, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	if existing, err := s.get(name); err == nil {
		if o.IgnoreExisting {
			return existing, nil
		}
		return nil, errdefs.AlreadyExistsf("volume with name %s already exists: volume already exists", name)
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return nil, err
	}
	if err := os.MkdirAll(s.root, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", s.root, err)
	}
	// Build in a staging directory (its dot name is no valid volume name)
	// and rename into place: a crash leaves only a stray ".tmp-" directory.
	stage, err := os.MkdirTemp(s.root, ".tmp-")
	if err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	defer os.RemoveAll(stage)
	if err := os.Chmod(stage, 0o700); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	data := filepath.Join(stage, dataDir)
	// 0755 as podman: the container's users must be able to reach it.
	if err := os.Mkdir(data, 0o755); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	if err := os.Chmod(data, 0o755); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	if v.UID >= 0 || v.GID >= 0 {
		if err := os.Lchown(data, v.UID, v.GID); err != nil {
			return nil, fmt.Errorf("create volume %s: set owner: %w", name, err)
		}
	}
	if err := writeRecord(stage, v); err != nil {
		return nil, err
	}
	if err := os.Rename(stage, filepath.Join(s.root, name)); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	v.Mountpoint = filepath.Join(s.root, name, dataDir)
	return v, nil
}

// Get returns the volume called name.
func (s *Store) Get(name string) (*Volume, error) {
	if ValidateName(name) != nil {
		return nil, errdefs.NotFoundf("no volume with name %q found", name)
	}
	return s.get(name)
}

func (s *Store) get(name string) (*Volume, error) {
	dir := filepath.Join(s.root, name)
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFoundf("no volume with name %q found", name)
		}
		return nil, fmt.Errorf("read volume %s: %w", name, err)
	}
	v := &Volume{}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("read volume %s: %w", name, err)
	}
	v.Mountpoint = filepath.Join(dir, dataDir)
	return v, nil
}

// List returns every volume, oldest first (then by name).
func (s *Store) List() ([]*Volume, error) {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var out []*Volume
	for _, e := range entries {
		if !e.IsDir() || ValidateName(e.Name()) != nil {
			continue
		}
		v, err := s.get(e.Name())
		if err != nil {
			if errors.Is(err, errdefs.ErrNotFound) {
				continue // removed meanwhile, or not a volume
			}
			return nil, err
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Remove deletes the volume and its data. A volume whose filesystem is
// mounted for a running container is ErrConflict; deciding whether a
// stopped container still refers to it is the caller's job.
func (s *Store) Remove(ctx context.Context, name string) error {
	l, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	v, err := s.Get(name)
	if err != nil {
		return err
	}
	users, err := s.readUsers(name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return errdefs.Conflictf("volume %s is mounted for container(s) %v", name, users)
	}
	// A filesystem left mounted on _data (a crash between a container's
	// exit and its cleanup) must not be deleted through.
	if mounted, err := isMountPoint(v.Mountpoint); err != nil {
		return err
	} else if mounted {
		if err := unmount(v.Mountpoint); err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
	}
	gone := filepath.Join(s.root, ".rm-"+name)
	if err := os.Rename(filepath.Join(s.root, name), gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	os.Remove(s.usersFile(name))
	return nil
}

// FirstUse runs fill on the volume's data directory if the volume was never
// used, then records that it was, so that later containers never copy image
// content into it. Containers starting at once with one new volume fill it
// once: fill runs under the store's lock. A failed fill leaves the volume
// unused.
func (s *Store) FirstUse(ctx context.Context, name string, fill func(path string) error) error {
	l, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	v, err := s.Get(name)
	if err != nil {
		return err
	}
	if !v.NeedsCopyUp {
		return nil
	}
	if err := fill(v.Mountpoint); err != nil {
		return err
	}
	v.NeedsCopyUp = false
	return writeRecord(filepath.Join(s.root, name), v)
}

// writeRecord writes dir/volume.json atomically.
func writeRecord(dir string, v *Volume) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, recordFile)
	tmp := fmt.Sprintf("%s.%d", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write volume record: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write volume record: %w", err)
	}
	return nil
}
