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

	"github.com/containers/image/v5/pkg/compression"

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
	// Overwrite lets a directory replace a non-directory and the other
	// way round; else, as podman's and docker's cp, that is an error.
	Overwrite bool
	// Pause freezes a running source container while its files are read
	// (podman's cp --pause, on by default there).
	Pause bool
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
	return r.withCopyRoot(ctx, idOrName, srcPath, func(c *Container, root *fscopy.Root, inRoot string) error {
		srcPath := ctrAbs(c, srcPath)
		if opts.Pause {
			thaw, err := r.freezeForRead(ctx, c)
			if err != nil {
				return err
			}
			defer thaw()
		}
		fi, err := root.Stat(inRoot, opts.FollowLink)
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
			if err := root.WriteTar(w, inRoot, opts.FollowLink, name); err != nil {
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
		return pipeCopy(root, inRoot, opts.FollowLink, t.name, host, t.dir, fscopy.ExtractOptions{KeepOwner: opts.Archive, NoDirNonDir: !opts.Overwrite, ReplaceDirs: opts.Overwrite})
	})
}

// CopyToContainer copies the host path src into the container (running or
// not) at dstPath, following Docker's rules, or, when src is "-",
// extracts the tar stream r into the container directory dstPath. Every
// entry lands inside the container's root filesystem.
func (r *Runtime) CopyToContainer(ctx context.Context, src string, rd io.Reader, idOrName, dstPath string, opts CopyOptions) error {
	return r.withCopyRoot(ctx, idOrName, dstPath, func(c *Container, root *fscopy.Root, inRoot string) error {
		inCtr := func(p string) (fs.FileInfo, error) { return root.Stat(p, true) }
		xopts := fscopy.ExtractOptions{KeepOwner: opts.Archive, MapOwner: ownerInUserNS(c.Config), NoDirNonDir: !opts.Overwrite, ReplaceDirs: opts.Overwrite}
		if src == "-" {
			fi, err := inCtr(inRoot)
			if err != nil || !fi.IsDir() {
				return invalidf("copying to container %s: destination %q must be an existing directory to extract a tar stream into", c.Name, dstPath)
			}
			tr, err := decompressed(rd)
			if err != nil {
				return fmt.Errorf("copying to container %s: %w", c.Name, err)
			}
			defer tr.Close()
			if err := root.Extract(tr, inRoot, xopts); err != nil {
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
		t, err := copyTargetFor(src, fi.IsDir(), inRoot, inCtr)
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

// withCopyRoot runs fn with the root a copy resolves the container path
// ctrPath in, open as a descriptor, under the container's lock, and the
// path inside that root. A relative ctrPath is relative to the container's
// working directory, as podman's cp takes it. For a running (or paused)
// container the root is the directory its init's /proc/PID/root leads to:
// the container's own view, with its volumes, bind mounts and tmpfs mounts
// in place. For one that does not run, its root filesystem, mounted for
// fn, or, for a path in one of its volumes or bind mounts, that volume's
// or bind's host directory, as podman's cp does (see mountRootFor). Either
// way fn works only through the descriptor (fscopy), so a process in the
// container cannot redirect it to the host.
func (r *Runtime) withCopyRoot(ctx context.Context, idOrName, ctrPath string, fn func(c *Container, root *fscopy.Root, inRoot string) error) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	ctrPath = ctrAbs(c, ctrPath)
	if (c.Status == state.StatusRunning || c.Status == state.StatusPaused) && c.PID > 0 {
		if root, err := fscopy.OpenRoot(fmt.Sprintf("/proc/%d/root", c.PID)); err == nil {
			defer root.Close()
			return fn(c, root, ctrPath)
		}
	}
	if m, rel, ok := mountFor(c.Config.Mounts, ctrPath); ok {
		if m.Type == mountTmpfs {
			return errdefs.Conflictf("copying %s of container %s: %s is a tmpfs mount, which exists only while the container runs", ctrPath, c.Name, m.Destination)
		}
		dir := m.Source
		if m.Type == mountVolume {
			vs := r.volumes()
			user := "cp-" + c.ID
			v, err := r.db.Volume(ctx, m.Source)
			if err != nil {
				return fmt.Errorf("container %s: volume %s: %w", c.Name, m.Source, err)
			}
			rec := volumeRecord(v)
			if dir, err = vs.Mount(ctx, rec, user); err != nil {
				return fmt.Errorf("container %s: %w", c.Name, err)
			}
			defer func() { _ = vs.Unmount(context.WithoutCancel(ctx), rec, user) }()
		}
		root, err := fscopy.OpenRoot(dir)
		if err != nil {
			return fmt.Errorf("container %s: mount %s: %w", c.Name, m.Destination, err)
		}
		defer root.Close()
		return fn(c, root, rel)
	}
	st, err := r.storage()
	if err != nil {
		return err
	}
	rootfs, release, err := r.lookRootfs(st, c)
	if err != nil {
		return fmt.Errorf("mount container %s: %w", c.Name, err)
	}
	defer release()
	root, err := fscopy.OpenRoot(rootfs)
	if err != nil {
		return fmt.Errorf("container %s: %w", c.Name, err)
	}
	defer root.Close()
	return fn(c, root, ctrPath)
}

// ctrAbs makes a container path absolute against the container's working
// directory (its --workdir, else the image's, else /), keeping a trailing
// "/" or "/." that says what a copy means.
func ctrAbs(c *Container, p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	wd := c.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	return strings.TrimSuffix(wd, "/") + "/" + p
}

// mountFor finds the mount of mounts (the deepest) whose destination holds
// the container path p, lexically as podman's cp resolves it, and p's path
// inside that mount, keeping a trailing "/" or "/.".
func mountFor(mounts []MountConfig, p string) (MountConfig, string, bool) {
	clean := path.Clean(p)
	best := -1
	for i, m := range mounts {
		d := path.Clean(m.Destination)
		if (clean == d || strings.HasPrefix(clean, d+"/")) && (best < 0 || len(d) > len(path.Clean(mounts[best].Destination))) {
			best = i
		}
	}
	if best < 0 {
		return MountConfig{}, "", false
	}
	d := path.Clean(mounts[best].Destination)
	rel := "/" + strings.TrimPrefix(strings.TrimPrefix(clean, d), "/")
	switch {
	case strings.HasSuffix(p, "/."):
		rel = strings.TrimSuffix(rel, "/") + "/."
	case strings.HasSuffix(p, "/") && rel != "/":
		rel += "/"
	}
	return mounts[best], rel, true
}

// decompressed reads a tar stream that may be compressed (gzip, bzip2, xz,
// zstd), as podman's cp - accepts it.
func decompressed(r io.Reader) (io.ReadCloser, error) {
	dr, _, err := compression.AutoDecompress(r)
	if err != nil {
		return nil, fmt.Errorf("read the tar stream: %w", err)
	}
	return dr, nil
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
