package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
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

// volumes is the volume store of this runtime's graph root.
func (r *Runtime) volumes() *volume.Store {
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
	v, err := r.volumes().Create(ctx, volume.CreateOptions{
		Name: o.Name, Driver: o.Driver, Labels: labels, Options: opts, IgnoreExisting: o.IgnoreExisting,
	})
	if err != nil {
		return nil, err
	}
	r.volumeEvent(ctx, "create", v.Name)
	return r.volumeInfo(v, nil), nil
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
	v, err := r.volumes().Get(name)
	if err != nil {
		return nil, noSuchVolume(name, err)
	}
	users, err := r.volumeUsers(ctx)
	if err != nil {
		return nil, err
	}
	return r.volumeInfo(v, users[v.Name]), nil
}

// VolumeExists reports whether a volume called name exists.
func (r *Runtime) VolumeExists(ctx context.Context, name string) (bool, error) {
	_, err := r.volumes().Get(name)
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
	return r.matchingVolumes(ctx, match)
}

func (r *Runtime) matchingVolumes(ctx context.Context, match volumeFilterFunc) ([]*VolumeInfo, error) {
	vols, err := r.volumes().List()
	if err != nil {
		return nil, err
	}
	users, err := r.volumeUsers(ctx)
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
// which removes those containers first, as podman does. It returns the
// names removed and one error per volume that was not.
func (r *Runtime) RemoveVolumes(ctx context.Context, names []string, opts RemoveVolumesOptions) (removed []string, errs []error) {
	if opts.All {
		vols, err := r.volumes().List()
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
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	return removed, errs
}

func (r *Runtime) removeVolume(ctx context.Context, name string, opts RemoveVolumesOptions) error {
	vs := r.volumes()
	v, err := vs.Get(name)
	if err != nil {
		return noSuchVolume(name, err)
	}
	users, err := r.volumeUsers(ctx)
	if err != nil {
		return err
	}
	if ids := users[v.Name]; len(ids) > 0 {
		if !opts.Force {
			return errdefs.Conflictf("volume %s is being used by the following container(s): %s: volume is being used", v.Name, strings.Join(ids, ", "))
		}
		if err := r.removeVolumeUsers(ctx, ids, opts.Timeout); err != nil {
			return fmt.Errorf("remove volume %s: %w", v.Name, err)
		}
	}
	if err := vs.Remove(ctx, v.Name); err != nil {
		return fmt.Errorf("remove volume %s: %w", v.Name, err)
	}
	r.volumeEvent(ctx, "remove", v.Name)
	return nil
}

// PruneVolumes removes every volume no container uses that matches the
// filters (label=, label!=, until=) and returns their names.
func (r *Runtime) PruneVolumes(ctx context.Context, filters []string) ([]string, error) {
	match, err := compileVolumeFilters(filters, volumePruneFilterKeys)
	if err != nil {
		return nil, err
	}
	vols, err := r.matchingVolumes(ctx, match)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, v := range vols {
		if len(v.Containers) > 0 {
			continue
		}
		if err := r.volumes().Remove(ctx, v.Name); err != nil {
			if !errors.Is(err, errdefs.ErrNotFound) {
				errs = append(errs, err)
			}
			continue
		}
		r.volumeEvent(ctx, "remove", v.Name)
		removed = append(removed, v.Name)
	}
	return removed, errors.Join(errs...)
}

func (r *Runtime) volumeInfo(v *volume.Volume, users []string) *VolumeInfo {
	labels, options := v.Labels, v.Options
	if labels == nil {
		labels = map[string]string{}
	}
	if options == nil {
		options = map[string]string{}
	}
	return &VolumeInfo{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, CreatedAt: v.CreatedAt,
		Labels: labels, Scope: "local", Options: options, UID: v.UID, GID: v.GID,
		Anonymous: v.Anonymous, MountCount: r.volumes().MountCount(v.Name),
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
