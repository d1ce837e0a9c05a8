package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

// PodContainerErrors are the failures of a pod operation on some of the
// pod's containers; the others were done. It carries the category of the
// first failure.
type PodContainerErrors struct {
	Pod  string
	Verb string
	Errs map[string]error // by container name
}

func (e *PodContainerErrors) Error() string {
	names := make([]string, 0, len(e.Errs))
	for n := range e.Errs {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s: %v", n, e.Errs[n])
	}
	return fmt.Sprintf("%s some containers of pod %s: %s", e.Verb, e.Pod, strings.Join(parts, "; "))
}

// Unwrap lets errors.Is see the categories of the failures.
func (e *PodContainerErrors) Unwrap() []error {
	out := make([]error, 0, len(e.Errs))
	for _, err := range e.Errs {
		out = append(out, err)
	}
	return out
}

// podOp runs fn on the pod's containers in order (infra first when
// infraFirst, else last), under the pod's lock, and collects failures.
func (r *Runtime) podOp(ctx context.Context, idOrName, verb string, infraFirst bool, fn func(c *Container) error) (*Pod, error) {
	p, err := r.Pod(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	l, err := r.lockPod(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	ctrs, err := r.podContainers(ctx, p)
	if err != nil {
		return nil, err
	}
	// Oldest first: the infra container was made first.
	slices.Reverse(ctrs)
	var infra *Container
	var members []*Container
	for _, c := range ctrs {
		if c.ID == p.InfraID {
			infra = c
		} else {
			members = append(members, c)
		}
	}
	if infraFirst {
		members = initContainersFirst(members)
	}
	order := members
	if infra != nil {
		if infraFirst {
			order = append([]*Container{infra}, members...)
		} else {
			slices.Reverse(order)
			order = append(order, infra)
		}
	}
	errs := map[string]error{}
	for _, c := range order {
		if err := fn(c); err != nil {
			if c == infra && infraFirst {
				// Nothing can join the pod's namespaces now.
				return p, fmt.Errorf("%s the infra container of pod %s: %w", verb, p.Name, err)
			}
			errs[c.Name] = err
		}
	}
	if len(errs) > 0 {
		return p, &PodContainerErrors{Pod: p.Name, Verb: verb, Errs: errs}
	}
	return p, nil
}

// StartPod starts the pod's infra container, runs its init containers to
// completion (pod_init.go), then starts its other containers. Running ones
// are left as they are.
func (r *Runtime) StartPod(ctx context.Context, idOrName string) (*Pod, error) {
	s := &podStarter{r: r}
	p, err := r.podOp(ctx, idOrName, "start", true, func(c *Container) error {
		return s.start(ctx, c)
	})
	if p != nil && err == nil {
		r.podEvent(ctx, p.Pod, "start")
	}
	return p, err
}

// StopPod stops the pod's containers, newest first, the infra container
// last (timeout as Stop's; nil: each container's own).
func (r *Runtime) StopPod(ctx context.Context, idOrName string, timeout *int) (*Pod, error) {
	p, err := r.podOp(ctx, idOrName, "stop", false, func(c *Container) error {
		return r.Stop(ctx, c.ID, timeout)
	})
	if p != nil && err == nil {
		r.podEvent(ctx, p.Pod, "stop")
	}
	return p, err
}

// RestartPod stops the pod and starts it again.
func (r *Runtime) RestartPod(ctx context.Context, idOrName string, timeout *int) (*Pod, error) {
	if _, err := r.StopPod(ctx, idOrName, timeout); err != nil {
		return nil, err
	}
	return r.StartPod(ctx, idOrName)
}

// KillPod sends signal to every running container of the pod, the infra
// container last. A pod with nothing running is a conflict.
func (r *Runtime) KillPod(ctx context.Context, idOrName, signal string) (*Pod, error) {
	killed := 0
	p, err := r.podOp(ctx, idOrName, "kill", false, func(c *Container) error {
		if !isActive(c.Status) {
			return nil
		}
		killed++
		return r.Kill(ctx, c.ID, signal)
	})
	if err == nil && killed == 0 {
		return p, errdefs.Conflictf("pod %s has no running containers to kill", p.Name)
	}
	if err == nil {
		r.podEvent(ctx, p.Pod, "kill")
	}
	return p, err
}

// PausePod freezes every running container of the pod.
func (r *Runtime) PausePod(ctx context.Context, idOrName string) (*Pod, error) {
	return r.podOp(ctx, idOrName, "pause", false, func(c *Container) error {
		if c.Status != state.StatusRunning {
			return nil
		}
		return r.Pause(ctx, c.ID)
	})
}

// UnpausePod thaws every paused container of the pod.
func (r *Runtime) UnpausePod(ctx context.Context, idOrName string) (*Pod, error) {
	return r.podOp(ctx, idOrName, "unpause", true, func(c *Container) error {
		if c.Status != state.StatusPaused {
			return nil
		}
		return r.Unpause(ctx, c.ID)
	})
}

// PodRemoveOptions say how RemovePod treats running containers.
type PodRemoveOptions struct {
	// Force stops running containers first (Timeout seconds, then
	// SIGKILL; nil: each container's stop timeout).
	Force   bool
	Timeout *int
}

// RemovePod removes the pod: its containers, the infra container last,
// then its row. A pod with running containers is refused (an
// ErrCtrStateInvalid) unless opts.Force. Removal interrupted half-way can
// be repeated.
func (r *Runtime) RemovePod(ctx context.Context, idOrName string, opts PodRemoveOptions) error {
	p, err := r.Pod(ctx, idOrName)
	if err != nil {
		return err
	}
	l, err := r.lockPod(ctx, p.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	ctrs, err := r.podContainers(ctx, p)
	if err != nil {
		return err
	}
	if !opts.Force {
		for _, c := range ctrs {
			if isActive(c.Status) {
				return fmt.Errorf("pod %s has containers that are not ready to be removed: cannot remove container %s as it is %s - running or paused containers cannot be removed without force: %w",
					p.ID, c.ID, c.Status, ErrCtrStateInvalid)
			}
		}
	}
	// Members first (newest first), the infra container last: a member
	// never outlives the namespaces it joined.
	slices.SortStableFunc(ctrs, func(a, b *Container) int {
		switch {
		case a.ID == p.InfraID:
			return 1
		case b.ID == p.InfraID:
			return -1
		}
		return 0
	})
	for _, c := range ctrs {
		if err := r.removePodContainer(ctx, c, opts); err != nil {
			return fmt.Errorf("remove pod %s: %w", p.Name, err)
		}
	}
	if err := r.db.RemovePod(ctx, p.ID); err != nil {
		return err
	}
	r.removePodCgroup(ctx, p)
	r.podEvent(ctx, p.Pod, "remove")
	return nil
}

// removePodContainer removes one of a pod's containers, stopping it first
// when it runs; the infra container too, which Remove refuses alone.
func (r *Runtime) removePodContainer(ctx context.Context, c *Container, opts PodRemoveOptions) error {
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	monitor := c.MonitorPID
	if c, err = r.syncLocked(ctx, c.ID); err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil
		}
		return err
	}
	if isActive(c.Status) {
		if err := r.stopLocked(ctx, c, opts.Timeout, false); err != nil {
			return err
		}
	}
	return r.removeLocked(ctx, c, monitor)
}

// PrunePods removes every pod with no running container and returns the
// IDs removed and the failures.
func (r *Runtime) PrunePods(ctx context.Context) ([]string, []error) {
	pods, err := r.Pods(ctx)
	if err != nil {
		return nil, []error{err}
	}
	var removed []string
	var errs []error
	for _, p := range pods {
		ctrs, err := r.podContainers(ctx, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if slices.ContainsFunc(ctrs, func(c *Container) bool { return isActive(c.Status) }) {
			continue
		}
		if err := r.RemovePod(ctx, p.ID, PodRemoveOptions{}); err != nil {
			if !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, ErrCtrStateInvalid) {
				errs = append(errs, err)
			}
			continue
		}
		removed = append(removed, p.ID)
	}
	return removed, errs
}

// removeAllPods removes every pod, stopping its containers at once (for
// system reset).
func (r *Runtime) removeAllPods(ctx context.Context) []error {
	pods, err := r.Pods(ctx)
	if err != nil {
		return []error{err}
	}
	zero := 0
	var errs []error
	for _, p := range pods {
		if err := r.RemovePod(ctx, p.ID, PodRemoveOptions{Force: true, Timeout: &zero}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errs
}

// applyPodExitPolicy stops the infra container of c's pod when c was its
// last running container and the pod's exit policy is "stop". The caller
// holds c's lock (container locks are taken member, then infra).
func (r *Runtime) applyPodExitPolicy(ctx context.Context, c *Container) {
	if c.PodID == "" {
		return
	}
	row, err := r.db.GetPod(ctx, c.PodID)
	if err != nil || row.InfraID == "" || row.InfraID == c.ID {
		return
	}
	p, err := wrapPod(row)
	if err != nil || p.Config.ExitPolicy != "stop" || isInitContainer(c) {
		// An init container's exit is no end of the pod's work.
		return
	}
	ctrs, err := r.podContainers(ctx, p)
	if err != nil {
		return
	}
	for _, o := range ctrs {
		if o.ID != p.InfraID && o.ID != c.ID && isActive(o.Status) {
			return
		}
	}
	if err := r.Stop(ctx, p.InfraID, nil); err != nil {
		logrus.Warnf("exit policy of pod %s: stop its infra container: %v", p.Name, err)
	}
}
