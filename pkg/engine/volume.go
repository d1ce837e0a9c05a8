package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/volume"
)

// VolumeInfo is a volume as `volume inspect` and `volume ls` show it.
type VolumeInfo struct {
	Name       string
	Driver     string
	Mountpoint string
	CreatedAt  time.Time
	Labels     map[string]string
	Scope      string
	Options    map[string]string
	UID, GID   int // -1 unset
	Anonymous  bool
	// MountCount is how many running containers have the volume's
	// filesystem mounted (volumes with a mount type only).
	MountCount  int
	NeedsCopyUp bool
	// Containers are the IDs of the containers that use the volume.
	Containers []string
}

// VolumeCreateOptions are `volume create`'s flags.
type VolumeCreateOptions struct {
	Name    string   // "" = a random 64-hex name
	Driver  string   // "" = local
	Labels  []string // KEY=VALUE or KEY
	Options []string // type=..., device=..., o=...
	// IgnoreExisting returns an existing volume of that name unchanged.
	IgnoreExisting bool
}

// RemoveVolumesOptions are `volume rm`'s flags.
type RemoveVolumesOptions struct {
	All bool
	// Force removes the containers that use a volume, then the volume.
	Force bool
	// Timeout is the stop timeout for those containers; nil = theirs.
	Timeout *int
}

// volumes is the volume directory store of this runtime's graph root; the
// volumes' records are rows of r.db.
//
// The order of the two: a volume's directory and its row change under the
// volume lock (volume.Store.Lock), directory first on create and row first
// on remove. So a row always has its directory; a crash between the two
// leaves a directory without a row, which no command shows, the next create
// of that name replaces and `volume prune` sweeps. A container row and its
// uses of volumes are one transaction (state.AddWithVolumes), and "is it
// used?" and the delete of a volume's row are another (state.RemoveVolume):
// whichever commits first wins, and the foreign keys of volume_users refuse
// anything else.
func (r *Runtime) volumes() *volume.Store {
	if p := r.Config().Engine.VolumePath; p != "" {
		return volume.NewStoreIn(p, r.podRunDir())
	}
	return volume.NewStore(r.storeOpts.GraphRoot, r.podRunDir())
}

// CreateVolume makes a volume with the local driver.
func (r *Runtime) CreateVolume(ctx context.Context, o VolumeCreateOptions) (*VolumeInfo, error) {
	labels, err := keyValues(o.Labels, "label", true)
	if err != nil {
		return nil, err
	}
	opts, err := keyValues(o.Options, "volume option", false)
	if err != nil {
		return nil, err
	}
	v, err := volume.New(volume.CreateOptions{Name: o.Name, Driver: o.Driver, Labels: labels, Options: opts})
	if err != nil {
		return nil, err
	}
	row, made, err := r.makeVolume(ctx, v, o.IgnoreExisting)
	if err != nil {
		return nil, err
	}
	if made {
		r.volumeEvent(ctx, "create", row.Name)
	}
	return r.volumeInfo(row, nil), nil
}

// makeVolume makes v's directory, then its row, under the volume lock (see
// volumeOrder). A volume of that name already there is
// errdefs.ErrAlreadyExists, or with ignoreExisting returned unchanged
// (made false).
func (r *Runtime) makeVolume(ctx context.Context, v *volume.Volume, ignoreExisting bool) (row *state.Volume, made bool, err error) {
	vs := r.volumes()
	l, err := vs.Lock(ctx)
	if err != nil {
		return nil, false, err
	}
	defer l.Release()
	if existing, err := r.db.Volume(ctx, v.Name); err == nil {
		if ignoreExisting {
			return existing, false, nil
		}
		return nil, false, errdefs.AlreadyExistsf("volume with name %s already exists: volume already exists", v.Name)
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return nil, false, err
	}
	if err := vs.MakeDir(v); err != nil {
		return nil, false, err
	}
	crashPoint(faultVolumeDir)
	row = volumeRow(v)
	if err := r.db.AddVolume(ctx, row); err != nil {
		if rmErr := vs.RemoveDir(v.Name); rmErr != nil {
			logrus.Warnf("undo create of volume %s: %v", v.Name, rmErr)
		}
		return nil, false, err
	}
	return row, true, nil
}

func volumeRow(v *volume.Volume) *state.Volume {
	return &state.Volume{
		Name: v.Name, Driver: v.Driver, Labels: v.Labels, Options: v.Options, CreatedAt: v.CreatedAt,
		Anonymous: v.Anonymous, UID: v.UID, GID: v.GID, NeedsCopyUp: v.NeedsCopyUp,
	}
}

func volumeRecord(v *state.Volume) *volume.Volume {
	return &volume.Volume{
		Name: v.Name, Driver: v.Driver, Labels: v.Labels, Options: v.Options, CreatedAt: v.CreatedAt,
		Anonymous: v.Anonymous, UID: v.UID, GID: v.GID, NeedsCopyUp: v.NeedsCopyUp,
	}
}

// keyValues parses KEY=VALUE settings (a bare KEY, where allowed, has an
// empty value); the last setting of a key wins.
func keyValues(list []string, what string, bareKey bool) (map[string]string, error) {
	m := map[string]string{}
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if k == "" || (!ok && !bareKey) {
			return nil, errdefs.InvalidArgumentf("invalid %s %q: want KEY=VALUE", what, s)
		}
		m[k] = v
	}
	return m, nil
}

// Volume returns one volume.
func (r *Runtime) Volume(ctx context.Context, name string) (*VolumeInfo, error) {
	v, err := r.db.Volume(ctx, name)
	if err != nil {
		return nil, noSuchVolume(name, err)
	}
	users, err := r.db.VolumeUsersOf(ctx, name)
	if err != nil {
		return nil, err
	}
	return r.volumeInfo(v, users), nil
}

// VolumeExists reports whether a volume called name exists.
func (r *Runtime) VolumeExists(ctx context.Context, name string) (bool, error) {
	_, err := r.db.Volume(ctx, name)
	if errors.Is(err, errdefs.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ListVolumes lists volumes matching every filter (see volume_filter.go).
func (r *Runtime) ListVolumes(ctx context.Context, filters []string) ([]*VolumeInfo, error) {
	match, err := compileVolumeFilters(filters, volumeListFilterKeys)
	if err != nil {
		return nil, err
	}
	vols, err := r.db.Volumes(ctx)
	if err != nil {
		return nil, err
	}
	users, err := r.db.VolumeUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*VolumeInfo
	for _, v := range vols {
		info := r.volumeInfo(v, users[v.Name])
		if match(info) {
			out = append(out, info)
		}
	}
	return out, nil
}

// RemoveVolumes removes the named volumes (or all with opts.All). A volume
// a container uses is refused (errdefs.ErrConflict) unless opts.Force,
// which removes those containers first, as podman does; with opts.Force a
// volume that does not exist is no error (Docker's and podman's --force).
// It returns the names removed and one error per volume that was not.
func (r *Runtime) RemoveVolumes(ctx context.Context, names []string, opts RemoveVolumesOptions) (removed []string, errs []error) {
	if opts.All {
		vols, err := r.db.Volumes(ctx)
		if err != nil {
			return nil, []error{err}
		}
		names = names[:0]
		for _, v := range vols {
			names = append(names, v.Name)
		}
	}
	for _, name := range names {
		if err := r.removeVolume(ctx, name, opts); err != nil {
			if opts.Force && errors.Is(err, errdefs.ErrNotFound) {
				continue
			}
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	return removed, errs
}

// forceRounds bounds how often `volume rm -f` removes the volume's users
// and tries again: containers created with the volume meanwhile are
// removed too, unless they keep coming.
const forceRounds = 5

func (r *Runtime) removeVolume(ctx context.Context, name string, opts RemoveVolumesOptions) error {
	for round := 1; ; round++ {
		err := r.deleteVolume(ctx, name)
		if err == nil || !opts.Force || !errors.Is(err, errdefs.ErrConflict) || round == forceRounds {
			return err
		}
		ids, uerr := r.db.VolumeUsersOf(ctx, name)
		if uerr != nil {
			return uerr
		}
		if err := r.removeVolumeUsers(ctx, ids, opts.Timeout); err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
	}
}

// deleteVolume deletes the volume's row if no container uses it (one
// transaction), then its directory, under the volume lock.
func (r *Runtime) deleteVolume(ctx context.Context, name string) error {
	vs := r.volumes()
	l, err := vs.Lock(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	if _, err := r.db.RemoveVolume(ctx, name); err != nil {
		return noSuchVolume(name, err)
	}
	crashPoint(faultVolumeRow)
	if err := vs.RemoveDir(name); err != nil {
		// The row is gone: what is left is a directory no command shows,
		// which prune sweeps.
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	r.volumeEvent(ctx, "remove", name)
	return nil
}

// PruneVolumes removes every volume no container uses that matches the
// filters (label=, label!=, until=) and returns their names: their rows in
// one transaction, then their directories, under the volume lock. It also
// sweeps directories that have no row (left by a crash).
func (r *Runtime) PruneVolumes(ctx context.Context, filters []string) ([]string, error) {
	match, err := compileVolumeFilters(filters, volumePruneFilterKeys)
	if err != nil {
		return nil, err
	}
	vs := r.volumes()
	l, err := vs.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	pruned, err := r.db.PruneVolumes(ctx, func(v *state.Volume) bool { return match(r.volumeInfo(v, nil)) })
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, v := range pruned {
		if err := vs.RemoveDir(v.Name); err != nil {
			errs = append(errs, err)
		}
		r.volumeEvent(ctx, "remove", v.Name)
		removed = append(removed, v.Name)
	}
	rows, err := r.db.Volumes(ctx)
	if err != nil {
		return removed, errors.Join(append(errs, err)...)
	}
	have := map[string]bool{}
	for _, v := range rows {
		have[v.Name] = true
	}
	if swept, err := vs.Sweep(func(name string) bool { return have[name] }); err != nil {
		errs = append(errs, err)
	} else if len(swept) > 0 {
		logrus.Debugf("swept volume directories without a record: %v", swept)
	}
	return removed, errors.Join(errs...)
}

func (r *Runtime) volumeInfo(v *state.Volume, users []string) *VolumeInfo {
	labels, options := v.Labels, v.Options
	if labels == nil {
		labels = map[string]string{}
	}
	if options == nil {
		options = map[string]string{}
	}
	vs := r.volumes()
	return &VolumeInfo{
		Name: v.Name, Driver: v.Driver, Mountpoint: vs.Path(v.Name), CreatedAt: v.CreatedAt,
		Labels: labels, Scope: "local", Options: options, UID: v.UID, GID: v.GID,
		Anonymous: v.Anonymous, MountCount: vs.MountCount(v.Name),
		NeedsCopyUp: v.NeedsCopyUp, Containers: users,
	}
}

// ErrNoSuchVolume is the category of "no volume with that name"; it is an
// errdefs.ErrNotFound.
var ErrNoSuchVolume = errdefs.NotFound(errors.New("no such volume"))

func noSuchVolume(name string, err error) error {
	if errors.Is(err, errdefs.ErrNotFound) {
		return fmt.Errorf("no volume with name %q found: %w", name, ErrNoSuchVolume)
	}
	return err
}
