package engine

import (
	"context"
	"errors"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// volumeUsers maps each volume name to the IDs of the containers whose
// configuration mounts it, running or not. It reads the DB only: a
// container uses its volumes from create to rm.
func (r *Runtime) volumeUsers(ctx context.Context) (map[string][]string, error) {
	rows, err := r.db.List(ctx)
	if err != nil {
		return nil, err
	}
	users := map[string][]string{}
	for _, row := range rows {
		c, err := wrap(row)
		if err != nil {
			return nil, err
		}
		for _, m := range c.Config.Mounts {
			if m.Type == mountVolume && m.Source != "" {
				users[m.Source] = append(users[m.Source], c.ID)
			}
		}
	}
	return users, nil
}

// removeVolumeUsers removes the containers ids, stopping running ones
// first (volume rm --force).
func (r *Runtime) removeVolumeUsers(ctx context.Context, ids []string, timeout *int) error {
	for _, id := range ids {
		if err := r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: timeout}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	return nil
}
