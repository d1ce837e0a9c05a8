package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
)

// A volume's contents as a tar stream (`volume export`, `volume import`).
// The volume's directory is a tree containers write: it is read and
// written through pkg/fscopy's descriptors only, so a symlink a container
// left in it never sends the copy outside the volume.

// plainVolume returns the directory of a volume whose data is a plain
// directory; a volume with a filesystem of its own (-o type=) is mounted
// only while a container runs, and is refused.
func (r *Runtime) plainVolume(ctx context.Context, name, verb string) (string, error) {
	v, err := r.Volume(ctx, name)
	if err != nil {
		return "", err
	}
	if v.Options["type"] != "" || v.Options["device"] != "" {
		return "", errdefs.NotImplementedf("%s %s: the volume has a filesystem of its own (-o type=%s), which pod mounts only for containers", verb, v.Name, v.Options["type"])
	}
	return v.Mountpoint, nil
}

// ExportVolume writes the contents of the volume as an uncompressed tar
// stream to w: owners, modes, times, hard links and extended attributes
// kept; entries named relative to the volume's top.
func (r *Runtime) ExportVolume(ctx context.Context, name string, w io.Writer) error {
	dir, err := r.plainVolume(ctx, name, "export")
	if err != nil {
		return err
	}
	root, err := fscopy.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("export volume %s: %w", name, err)
	}
	defer root.Close()
	opts := fscopy.TarOptions{NoTop: true, HardLinks: true, Xattrs: true, Tolerant: true}
	if err := root.WriteTarWith(w, "/", ".", opts); err != nil {
		return fmt.Errorf("export volume %s: %w", name, err)
	}
	return nil
}

// ImportVolume extracts the tar stream rd into the volume, over what it
// holds, keeping the archive's owners (as podman's volume import); a
// compressed stream (gzip, bzip2, xz, zstd) is decompressed. The volume
// must exist.
func (r *Runtime) ImportVolume(ctx context.Context, name string, rd io.Reader) error {
	dir, err := r.plainVolume(ctx, name, "import")
	if err != nil {
		return err
	}
	root, err := fscopy.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("import into volume %s: %w", name, err)
	}
	defer root.Close()
	dr, err := decompressed(rd)
	if err != nil {
		return fmt.Errorf("import into volume %s: %w", name, err)
	}
	defer dr.Close()
	if err := root.Extract(dr, "/", fscopy.ExtractOptions{KeepOwner: true}); err != nil {
		return fmt.Errorf("import into volume %s: %w", name, err)
	}
	return nil
}
