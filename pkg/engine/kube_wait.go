package engine

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// WaitKube blocks until every container kube play made is done: exited
// with no restart to come (its restart policy, or a Job's backoffLimit,
// spent). It returns early with ctx's error when ctx ends (kube play
// --wait's signal).
func (r *Runtime) WaitKube(ctx context.Context, rep *KubePlayReport) error {
	var ids []string
	for _, p := range rep.Pods {
		ids = append(ids, p.Containers...)
	}
	for len(ids) > 0 {
		c, err := r.Container(ctx, ids[0])
		switch {
		case errors.Is(err, errdefs.ErrNotFound):
			ids = ids[1:]
			continue
		case err != nil:
			return err
		case !isActive(c.Status) && !shouldRestart(c):
			ids = ids[1:]
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return nil
}

// TeardownKube removes what a kube play made: its pods with their
// containers and emptyDir volumes, the configMap and secret files it
// wrote, and the PVCs' volumes it created (kube play --wait's end; kube
// down keeps PVCs' volumes).
func (r *Runtime) TeardownKube(ctx context.Context, rep *KubePlayReport) error {
	var errs []error
	for _, p := range rep.Pods {
		if err := r.RemovePod(ctx, p.ID, PodRemoveOptions{Force: true}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, err)
		}
		if err := os.RemoveAll(r.kubeFilesDir(p.Name)); err != nil {
			errs = append(errs, err)
		}
		_, verrs := r.removeKubeVolumes(ctx, p.Name)
		errs = append(errs, verrs...)
	}
	if len(rep.Created) > 0 {
		_, verrs := r.RemoveVolumes(ctx, rep.Created, RemoveVolumesOptions{Force: true})
		errs = append(errs, verrs...)
	}
	return errors.Join(errs...)
}
