package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

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
		return errdefs.InvalidArgument(errors.New("this container is using the 'none' log driver, cannot read logs"))
	}
	id := c.ID
	done := func() bool {
		// A container that is gone, or has no process any more, writes
		// nothing new: reading the log to its end finishes the follow.
		cur, err := r.Container(ctx, id)
		return err != nil || !runningLike(cur.Status)
	}
	if driver == logs.DriverJournald {
		opts.Done = done
		if err := logs.ReadJournal(ctx, id, opts, stdout, stderr); err != nil {
			return fmt.Errorf("read logs of %s from the journal: %w", c.Name, err)
		}
		return nil
	}
	path, err := r.containerLogPath(c)
	if err != nil {
		return err
	}
	opts.Done = done
	if err := logs.Read(ctx, path, driver, opts, stdout, stderr); err != nil {
		return fmt.Errorf("read logs of %s: %w", c.Name, err)
	}
	return nil
}

// containerLogPath is where the monitor writes the container's log: the
// configured path, else ctr.log in the container's userdata directory (the
// default Start gives the monitor).
func (r *Runtime) containerLogPath(c *Container) (string, error) {
	if c.Config.LogPath != "" {
		return c.Config.LogPath, nil
	}
	dir, err := r.userdataDir(c.ID)
	if err != nil {
		return "", fmt.Errorf("log of %s: %w", c.Name, err)
	}
	return filepath.Join(dir, "ctr.log"), nil
}
