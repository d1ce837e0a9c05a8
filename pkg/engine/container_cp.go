package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
	"github.com/pod-engine/pod/pkg/state"
)

// CopyOptions tune CopyFromContainer and CopyToContainer.
type CopyOptions struct {
	// Archive keeps the UIDs and GIDs of the source; else copies belong to
	// the destination's user: root in the container, the caller on the
	// host (Docker's rule).
	Archive bool
	// FollowLink follows the source path when it is a symlink.
	FollowLink bool
}

// copyTarget is where a copy lands: the directory the tar stream is
// extracted into and the name its top entry gets ("." for a directory's
// contents).
type copyTarget struct {
	dir, name string
}

// CopyFromContainer copies srcPath of the container (running or not) to
// the host path dst, following Docker's rules for what dst means, or,
// when dst is "-", writes it to w as a tar stream. Container paths are
// resolved inside its root filesystem: neither "..", nor a symlink, nor an
// absolute link leads out of it.
func (r *Runtime) CopyFromContainer(ctx context.Context, idOrName, srcPath, dst string, w io.Writer, opts CopyOptions) error {
	return r.withCopyRoot(ctx, idOrName, func(c *Container, root *fscopy.Root) error {
		fi, err := root.Stat(srcPath, opts.FollowLink)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return errdefs.NotFoundf("copying from container %s: %q could not be found in the container: no such file or directory", c.Name, srcPath)
			}
			return fmt.Errorf("copying from container %s: %w", c.Name, err)
		}
		if dst == "-" {
			name := path.Base(path.Clean("/" + srcPath))
			if fi.IsDir() && strings.HasSuffix(srcPath, "/.") {
				name = "." // the directory's contents, as Docker does
			}
			if err := root.WriteTar(w, srcPath, opts.FollowLink, name); err != nil {
				return fmt.Errorf("copying from container %s: %w", c.Name, err)
			}
			return nil
		}
		if dst, err = absKeepSlash(dst); err != nil {
			return err
		}
		t, err := copyTargetFor(srcPath, fi.IsDir(), dst, func(p string) (fs.FileInfo, error) { return os.Stat(p) })
		if err != nil {
			return err
		}
		// The host side is the caller's own: its root is the host's /.
		host, err := fscopy.OpenRoot("/")
		if err != nil {
			return err
		}
		defer host.Close()
		return pipeCopy(root, srcPath, opts.FollowLink, t.name, host, t.dir, fscopy.ExtractOptions{KeepOwner: opts.Archive})
	})
}

// CopyToContainer copies the host path src into the container (running or
// not) at dstPath, following Docker's rules, or, when src is "-",
// extracts the tar stream r into the container directory dstPath. Every
// entry lands inside the container's root filesystem.
func (r *Runtime) CopyToContainer(ctx context.Context, src string, rd io.Reader, idOrName, dstPath string, opts CopyOptions) error {
	return r.withCopyRoot(ctx, idOrName, func(c *Container, root *fscopy.Root) error {
		inCtr := func(p string) (fs.FileInfo, error) { return root.Stat(p, true) }
		xopts := fscopy.ExtractOptions{KeepOwner: opts.Archive, MapOwner: ownerInUserNS(c.Config)}
		if src == "-" {
			fi, err := inCtr(dstPath)
			if err != nil || !fi.IsDir() {
				return invalidf("copying to container %s: destination %q must be an existing directory to extract a tar stream into", c.Name, dstPath)
			}
			if err := root.Extract(rd, dstPath, xopts); err != nil {
				return fmt.Errorf("copying to container %s: %w", c.Name, err)
			}
			return nil
		}
		hostSrc := src
		if opts.FollowLink {
			resolved, err := filepath.EvalSymlinks(src)
			if err == nil {
				hostSrc = resolved
			}
		}
		fi, err := os.Lstat(hostSrc)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return errdefs.NotFoundf("copying to container %s: %q could not be found on the host: no such file or directory", c.Name, src)
			}
			return fmt.Errorf("copying to container %s: %w", c.Name, err)
		}
		t, err := copyTargetFor(src, fi.IsDir(), dstPath, inCtr)
		if err != nil {
			return err
		}
		absSrc, err := filepath.Abs(src)
		if err != nil {
			return err
		}
		host, err := fscopy.OpenRoot("/")
		if err != nil {
			return err
		}
		defer host.Close()
		return pipeCopy(host, absSrc, opts.FollowLink, t.name, root, t.dir, xopts)
	})
}

// copyTargetFor applies Docker's cp rules to a destination path, stat'ing
// it with stat (on the host or in the container):
//   - an existing directory receives the source under its own name, or
//     its contents when the source ends in "/.";
//   - a missing path is created with that name, in a parent that exists;
//     a missing path ending in "/" for a file is an error;
//   - an existing file is overwritten by a file; a directory cannot
//     replace it.
func copyTargetFor(src string, srcIsDir bool, dst string, stat func(string) (fs.FileInfo, error)) (copyTarget, error) {
	srcBase := filepath.Base(filepath.Clean(src))
	contents := srcIsDir && (strings.HasSuffix(src, "/.") || src == ".")
	dfi, err := stat(dst)
	switch {
	case err == nil && dfi.IsDir():
		if contents {
			return copyTarget{dir: dst, name: "."}, nil
		}
		return copyTarget{dir: dst, name: srcBase}, nil
	case err == nil && srcIsDir:
		return copyTarget{}, invalidf("cannot copy directory %q to file %q", src, dst)
	case err == nil:
		return copyTarget{dir: filepath.Dir(filepath.Clean(dst)), name: filepath.Base(filepath.Clean(dst))}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return copyTarget{}, fmt.Errorf("destination %s: %w", dst, err)
	case strings.HasSuffix(dst, "/") && !srcIsDir:
		return copyTarget{}, errdefs.NotFoundf("destination directory %q must exist", dst)
	}
	parent := filepath.Dir(filepath.Clean(dst))
	if pfi, err := stat(parent); err != nil || !pfi.IsDir() {
		return copyTarget{}, errdefs.NotFoundf("destination %q: parent directory %q does not exist", dst, parent)
	}
	return copyTarget{dir: parent, name: filepath.Base(filepath.Clean(dst))}, nil
}

// withCopyRoot runs fn with the root a copy resolves container paths in,
// open as a descriptor, under the container's lock. For a running (or
// paused) container that is the directory its init's /proc/PID/root
// leads to: the container's own view, with its volumes, bind mounts and
// tmpfs mounts in place. For one that does not run, its root filesystem,
// mounted for fn: its volumes and other mounts are then not part of it.
// Either way fn works only through the descriptor (fscopy), so a process
// in the container cannot redirect it to the host.
func (r *Runtime) withCopyRoot(ctx context.Context, idOrName string, fn func(c *Container, root *fscopy.Root) error) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	if (c.Status == state.StatusRunning || c.Status == state.StatusPaused) && c.PID > 0 {
		if root, err := fscopy.OpenRoot(fmt.Sprintf("/proc/%d/root", c.PID)); err == nil {
			defer root.Close()
			return fn(c, root)
		}
	}
	st, err := r.storage()
	if err != nil {
		return err
	}
	rootfs, err := st.Mount(c.ID, "")
	if err != nil {
		return fmt.Errorf("mount container %s: %w", c.Name, err)
	}
	defer st.Unmount(c.ID, false)
	root, err := fscopy.OpenRoot(rootfs)
	if err != nil {
		return fmt.Errorf("container %s: %w", c.Name, err)
	}
	defer root.Close()
	return fn(c, root)
}

// absKeepSlash makes a host path absolute, keeping a trailing "/" (which
// says "a directory" to copyTargetFor).
func absKeepSlash(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(p, "/") && abs != "/" {
		abs += "/"
	}
	return abs, nil
}

// pipeCopy streams src (inside from; its last component followed with
// follow) as a tar named name into dir inside to.
func pipeCopy(from *fscopy.Root, src string, follow bool, name string, to *fscopy.Root, dir string, opts fscopy.ExtractOptions) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(from.WriteTar(pw, src, follow, name)) }()
	err := to.Extract(pr, dir, opts)
	pr.CloseWithError(errors.New("copy ended"))
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}
