package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
)

// CopyBetweenContainers copies srcPath of container src to dstPath of
// container dst (which may be the same container), with the rules of
// CopyToContainer for what dstPath means. Each container is locked on its
// own, one at a time, never both: the source is read into a temporary tar
// file first, then extracted into the destination; so two copies in
// opposite directions cannot deadlock, nor a copy within one container.
// Both sides are resolved inside their containers' root filesystems.
func (r *Runtime) CopyBetweenContainers(ctx context.Context, src, srcPath, dst, dstPath string, opts CopyOptions) error {
	var srcIsDir bool
	var absSrc string
	err := r.withCopyRoot(ctx, src, srcPath, func(c *Container, root *fscopy.Root, inRoot string) error {
		absSrc = ctrAbs(c, srcPath)
		fi, err := root.Stat(inRoot, opts.FollowLink)
		if errors.Is(err, fs.ErrNotExist) {
			return errdefs.NotFoundf("copying from container %s: %q could not be found in the container: no such file or directory", c.Name, absSrc)
		}
		if err != nil {
			return fmt.Errorf("copying from container %s: %w", c.Name, err)
		}
		srcIsDir = fi.IsDir()
		return nil
	})
	if err != nil {
		return err
	}
	var t copyTarget
	err = r.withCopyRoot(ctx, dst, dstPath, func(c *Container, root *fscopy.Root, inRoot string) error {
		t, err = copyTargetFor(absSrc, srcIsDir, inRoot, func(p string) (fs.FileInfo, error) { return root.Stat(p, true) })
		return err
	})
	if err != nil {
		return err
	}
	st, err := r.storage()
	if err != nil {
		return err
	}
	spool, err := os.CreateTemp(st.TempDir(), "cp-")
	if err != nil {
		return fmt.Errorf("copy between containers: %w", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	err = r.withCopyRoot(ctx, src, srcPath, func(c *Container, root *fscopy.Root, inRoot string) error {
		if opts.Pause {
			thaw, err := r.freezeForRead(ctx, c)
			if err != nil {
				return err
			}
			defer thaw()
		}
		if err := root.WriteTar(spool, inRoot, opts.FollowLink, t.name); err != nil {
			return fmt.Errorf("copying from container %s: %w", c.Name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.withCopyRoot(ctx, dst, dstPath, func(c *Container, root *fscopy.Root, inRoot string) error {
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return err
		}
		// t.dir was found in this same root above; the tree may have
		// changed since, which Extract's checks within the root cover.
		xopts := fscopy.ExtractOptions{KeepOwner: opts.Archive, MapOwner: ownerInUserNS(c.Config), NoDirNonDir: !opts.Overwrite, ReplaceDirs: opts.Overwrite}
		if err := root.Extract(spool, t.dir, xopts); err != nil {
			return fmt.Errorf("copying to container %s: %w", c.Name, err)
		}
		return nil
	})
}
