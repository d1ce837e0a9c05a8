package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Init containers (create --init-ctr, kube play's initContainers) run to
// completion, one after the other in the order they were made, after the
// pod's infra container starts and before its other containers do. A
// "once" one runs at the pod's first start and is removed once it has
// succeeded; an "always" one runs at every start of the pod. One that
// fails (a non-zero exit) fails the pod's start: the containers after it
// are not started, and a failed "once" one stays for its logs.

// isInitContainer reports whether c is an init container of its pod.
func isInitContainer(c *Container) bool {
	return c.Config != nil && c.Config.InitContainerType != ""
}

// initContainersFirst orders a pod's members (oldest first) for a start:
// the init containers, in their order, before the others.
func initContainersFirst(members []*Container) []*Container {
	out := make([]*Container, 0, len(members))
	for _, c := range members {
		if isInitContainer(c) {
			out = append(out, c)
		}
	}
	for _, c := range members {
		if !isInitContainer(c) {
			out = append(out, c)
		}
	}
	return out
}

// podStarter starts a pod's members in initContainersFirst's order,
// remembering an init container's failure so that nothing after it starts.
type podStarter struct {
	r      *Runtime
	failed string // the init container that failed, if one did
}

func (s *podStarter) start(ctx context.Context, c *Container) error {
	if s.failed != "" {
		return errdefs.Conflictf("not started: init container %s failed", s.failed)
	}
	if !isInitContainer(c) {
		return s.r.Start(ctx, c.ID, StartOptions{})
	}
	if err := s.r.runInitContainer(ctx, c); err != nil {
		s.failed = c.Name
		return err
	}
	return nil
}

// runInitContainer runs the init container c to completion (its output
// goes to its log) and removes a "once" one that succeeded.
func (r *Runtime) runInitContainer(ctx context.Context, c *Container) error {
	code, err := r.StartAndWait(ctx, c.ID, StartOptions{Attach: true, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		return fmt.Errorf("init container %s: %w", c.Name, err)
	}
	if code != 0 {
		return errdefs.Conflictf("init container %s exited with %d", c.Name, code)
	}
	if c.Config.InitContainerType == InitCtrOnce {
		if err := r.Remove(context.WithoutCancel(ctx), c.ID, RemoveOptions{Force: true}); err != nil {
			logrus.Warnf("remove init container %s after its one run: %v", c.Name, err)
		}
	}
	return nil
}
