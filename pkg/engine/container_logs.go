package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/logs"
)

// ContainerLogs prints a container's log. With opts.Follow it returns once
// the container has stopped and its log has been read to the end; opts.Done
// is set here and must be nil.
func (r *Runtime) ContainerLogs(ctx context.Context, idOrName string, opts logs.Options, stdout, stderr io.Writer) error {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return err
	}
	driver := c.Config.LogDriver
	if driver == "" {
		driver = logs.DriverK8sFile
	}
	if driver == logs.DriverNone {
		return fmt.Errorf("this container is using the 'none' log driver, cannot read logs: %w", errdefs.ErrInvalidArg)
	}
	if c.Config.LogPath == "" {
		return fmt.Errorf("container %s has no log file: %w", c.Name, errdefs.ErrNotFound)
	}
	id := c.ID
	opts.Done = func() bool {
		// A container that is gone, or has no process any more, writes
		// nothing new: reading the file to its end finishes the follow.
		cur, err := r.Container(ctx, id)
		return err != nil || !runningLike(cur.Status)
	}
	if err := logs.Read(ctx, c.Config.LogPath, driver, opts, stdout, stderr); err != nil {
		return fmt.Errorf("read logs of %s: %w", c.Name, err)
	}
	return nil
}
