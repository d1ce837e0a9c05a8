package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
)

// StatContainerPath describes p inside the container's root filesystem
// (running or not), not following a final symlink, resolved as
// CopyFromContainer resolves it: nothing leads out of the root. It is the
// API's X-Docker-Container-Path-Stat, which `docker cp` asks before it
// copies.
func (r *Runtime) StatContainerPath(ctx context.Context, idOrName, p string) (fs.FileInfo, error) {
	var fi fs.FileInfo
	err := r.withCopyRoot(ctx, idOrName, p, func(c *Container, root *fscopy.Root, inRoot string) error {
		var err error
		fi, err = root.Stat(inRoot, false)
		if errors.Is(err, fs.ErrNotExist) {
			return errdefs.NotFoundf("%q could not be found in container %s: no such file or directory", p, c.Name)
		}
		if err != nil {
			return fmt.Errorf("stat %s in container %s: %w", p, c.Name, err)
		}
		return nil
	})
	return fi, err
}
