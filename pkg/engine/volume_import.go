package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/state"
)

// importVolumes is state.Open's volume import: the volumes whose
// directories hold a record (pods before the DB kept volumes only there,
// and every volume keeps its creation record there for a lost DB) and, from
// the containers' configurations, which container uses which volume.
func (r *Runtime) importVolumes(ctx context.Context, rows []*state.Container) (state.VolumeImport, error) {
	recs, skipped, err := r.volumes().ReadRecords()
	if err != nil {
		return state.VolumeImport{}, err
	}
	if len(skipped) > 0 {
		logrus.Warnf("volume directories without a readable volume.json were not imported (remove them, or `pod volume prune` does): %s",
			strings.Join(skipped, ", "))
	}
	var imp state.VolumeImport
	have := map[string]bool{}
	for _, v := range recs {
		imp.Volumes = append(imp.Volumes, volumeRow(v))
		have[v.Name] = true
	}
	var dangling []string
	for _, row := range rows {
		c, err := wrap(row)
		if err != nil {
			logrus.Warnf("import volume uses: %v", err)
			continue
		}
		for _, m := range c.Config.Mounts {
			if m.Type != mountVolume || m.Source == "" {
				continue
			}
			if !have[m.Source] {
				// The race this import ends: a volume removed while a
				// container was created with it.
				dangling = append(dangling, fmt.Sprintf("%s (volume %s)", c.Name, m.Source))
				continue
			}
			imp.Uses = append(imp.Uses, state.VolumeUse{Volume: m.Source, ContainerID: c.ID})
		}
	}
	if len(dangling) > 0 {
		logrus.Warnf("containers whose volume no longer exists (they cannot start; remove them): %s", strings.Join(dangling, ", "))
	}
	if len(imp.Volumes) > 0 {
		logrus.Debugf("imported %d volumes into the state DB", len(imp.Volumes))
	}
	return imp, nil
}
