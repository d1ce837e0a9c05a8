package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// metaVolumesImported is the meta key set, in the transaction that imported
// them, once the volumes kept outside the DB were imported.
const metaVolumesImported = "volumes_imported"

// VolumeImport is what a WithVolumeImport function found outside the DB.
type VolumeImport struct {
	Volumes []*Volume
	// Uses naming a volume or container that is not in the DB are
	// skipped.
	Uses []VolumeUse
}

// WithVolumeImport has Open call fn once per DB: the first Open after the
// "volumes" migration (an older pod kept volume records in files) or after
// Open started a new DB (WithRebuild's function runs first, so containers
// are back). fn gets every container row and returns the volumes and
// volume uses to record. Open inserts them and marks the DB imported in
// one transaction that re-reads the mark first, so concurrent first
// commands import exactly once, and a failed or interrupted import leaves
// nothing, to be done again by the next Open. Volumes already in the DB are
// kept as they are. A DB opened read-only (full disk) is imported by a
// later Open.
func WithVolumeImport(fn func(ctx context.Context, containers []*Container) (VolumeImport, error)) OpenOption {
	return func(c *openConfig) { c.importVolumes = fn }
}

// importVolumes runs fn as WithVolumeImport says, unless the DB is marked
// imported (one read: the common case).
func (db *DB) importVolumes(ctx context.Context, fn func(context.Context, []*Container) (VolumeImport, error)) error {
	return db.importOnce(ctx, metaVolumesImported, "volumes", func(tx *sql.Tx) error {
		containers, err := listContainers(ctx, tx)
		if err != nil {
			return fmt.Errorf("import volumes: %w", err)
		}
		imp, err := fn(ctx, containers)
		if err != nil {
			return fmt.Errorf("import volumes: %w", err)
		}
		for _, v := range imp.Volumes {
			if err := insertVolume(ctx, tx, v); err != nil && !errors.Is(err, errdefs.ErrAlreadyExists) {
				return fmt.Errorf("import volumes: %w", err)
			}
		}
		for _, u := range imp.Uses {
			// Only pairs whose both ends exist: the foreign keys would
			// refuse the others, and a container whose volume is gone
			// is what this import must not record as fine.
			_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO volume_users (volume, container_id)
				SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM volumes WHERE name = ?1)
				AND EXISTS (SELECT 1 FROM containers WHERE id = ?2)`, u.Volume, u.ContainerID)
			if err != nil {
				return fmt.Errorf("import volumes: use of %s by %s: %w", u.Volume, u.ContainerID, err)
			}
		}
		return nil
	})
}
