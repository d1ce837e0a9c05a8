package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/storage"
)

// Auto-update labels, podman's names: a container opts in with
// io.containers.autoupdate, and the systemd unit that runs it is
// recorded at create from PODMAN_SYSTEMD_UNIT (which generate systemd
// --new and Quadlet units set).
const (
	AutoUpdateLabel  = "io.containers.autoupdate"
	SystemdUnitLabel = "PODMAN_SYSTEMD_UNIT"
)

// What AutoUpdateReport.Updated says, podman's words.
const (
	UpdatePending    = "pending"     // --dry-run: an update is there
	UpdateNone       = "false"       // the image is current
	UpdateDone       = "true"        // updated and the unit restarted
	UpdateFailed     = "failed"      // the restart failed; not rolled back
	UpdateRolledBack = "rolled back" // the restart failed; the old image runs again
)

// UnitRestarter restarts a systemd unit and reports whether it started:
// the CLI's is systemctl (or D-Bus), for the system's manager or the
// user's. The engine does not speak to systemd itself.
type UnitRestarter interface {
	RestartUnit(ctx context.Context, unit string) error
}

// AutoUpdateOptions say how AutoUpdate runs.
type AutoUpdateOptions struct {
	DryRun   bool // report what would be updated; change nothing
	Rollback bool // after a failed restart, go back to the old image
	Registry storage.RegistryOptions
	Units    UnitRestarter
}

// AutoUpdateReport is one container's line of `pod auto-update`.
type AutoUpdateReport struct {
	Unit          string
	Container     string // "SHORTID (NAME)", podman's column
	ContainerID   string
	ContainerName string
	Image         string
	Policy        string
	Updated       string
}

// AutoUpdate updates the running containers labelled for it whose unit
// is known: registry when the registry's manifest for the container's
// image name is not the one it runs (the image is pulled), local when the
// local image of that name is another than the one it runs. The unit is
// then restarted, which makes the container anew from the image; when
// that fails and Rollback is set the name goes back to the old image and
// the unit is restarted again. One container's error does not stop the
// others; the reports are sorted by unit.
func (r *Runtime) AutoUpdate(ctx context.Context, o AutoUpdateOptions) ([]AutoUpdateReport, []error) {
	ctrs, err := r.Containers(ctx)
	if err != nil {
		return nil, []error{err}
	}
	if _, err := r.storage(); err != nil {
		return nil, []error{err}
	}
	var reports []AutoUpdateReport
	var errs []error
	for _, c := range ctrs {
		policy, ok := c.Labels[AutoUpdateLabel]
		if !ok || c.Status != StatusRunning {
			continue
		}
		rep, err := r.autoUpdateOne(ctx, c, policy, o)
		if err != nil {
			errs = append(errs, fmt.Errorf("auto-updating container %q: %w", shortID(c.ID), err))
		}
		if rep != nil {
			reports = append(reports, *rep)
		}
	}
	sort.SliceStable(reports, func(i, j int) bool { return reports[i].Unit < reports[j].Unit })
	return reports, errs
}

func (r *Runtime) autoUpdateOne(ctx context.Context, c *Container, policy string, o AutoUpdateOptions) (*AutoUpdateReport, error) {
	switch policy {
	case "image": // podman's older name
		policy = "registry"
	case "registry", "local":
	default:
		return nil, errdefs.InvalidArgumentf("invalid auto-update policy %q: use registry or local", policy)
	}
	unit := c.Labels[SystemdUnitLabel]
	if unit == "" {
		return nil, errdefs.InvalidArgumentf("no %s label found: the container does not run in a systemd unit (generate systemd --new, or Quadlet)", SystemdUnitLabel)
	}
	image := c.Config.ImageName
	rep := &AutoUpdateReport{
		Unit: unit, ContainerID: c.ID, ContainerName: c.Name, Image: image, Policy: policy,
		Container: shortID(c.ID) + " (" + c.Name + ")",
	}
	oldID := c.Config.ImageID
	var newer bool
	switch policy {
	case "registry":
		if storage.IsShortName(image) {
			return nil, errdefs.InvalidArgumentf("image %q is not a fully qualified reference: auto-update needs one", image)
		}
		remote, err := r.store.RemoteDigest(ctx, image, o.Registry)
		if err != nil {
			return nil, err
		}
		img, err := r.store.Image(oldID)
		if err != nil {
			return nil, fmt.Errorf("the container's image %s: %w", shortID(oldID), err)
		}
		newer = img.Digest != remote && !slices.Contains(img.Digests, remote)
	case "local":
		img, err := r.store.LookupImage(image)
		if err != nil {
			return nil, err
		}
		newer = img.ID != oldID
	}
	switch {
	case !newer:
		rep.Updated = UpdateNone
		return rep, nil
	case o.DryRun:
		rep.Updated = UpdatePending
		return rep, nil
	}
	if policy == "registry" {
		if _, err := r.Images().Pull(ctx, image, images.PullOptions{TLSVerify: o.Registry.TLSVerify, AuthFile: o.Registry.AuthFile,
			Credentials: o.Registry.Credentials, CertDir: o.Registry.CertDir}); err != nil {
			return nil, err
		}
	}
	if o.Units == nil {
		return nil, errors.New("no way to restart systemd units")
	}
	restartErr := o.Units.RestartUnit(ctx, unit)
	if restartErr == nil {
		rep.Updated = UpdateDone
		return rep, nil
	}
	rep.Updated = UpdateFailed
	if !o.Rollback {
		return rep, fmt.Errorf("restart %s: %w", unit, restartErr)
	}
	// The name goes back to the image that ran, and the unit makes the
	// container from it again.
	if err := r.Images().TagImage(ctx, oldID, image); err != nil {
		return rep, fmt.Errorf("restart %s: %v; roll back: %w", unit, restartErr, err)
	}
	if err := o.Units.RestartUnit(ctx, unit); err != nil {
		return rep, fmt.Errorf("restart %s: %v; restart after the roll back: %w", unit, restartErr, err)
	}
	rep.Updated = UpdateRolledBack
	return rep, nil
}
