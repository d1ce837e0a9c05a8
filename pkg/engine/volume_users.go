package engine

import (
	"context"
	"fmt"
)

// volumeUsers maps each volume name to the IDs of the containers whose
// configuration mounts it. No container can mount a volume until the
// container lifecycle is part of the engine, so the map is empty.
func (r *Runtime) volumeUsers(ctx context.Context) (map[string][]string, error) {
	return map[string][]string{}, nil
}

// removeVolumeUsers removes the containers ids (for volume rm --force).
func (r *Runtime) removeVolumeUsers(ctx context.Context, ids []string, timeout *int) error {
	if len(ids) == 0 {
		return nil
	}
	return fmt.Errorf("remove containers %v: the engine has no containers", ids)
}
