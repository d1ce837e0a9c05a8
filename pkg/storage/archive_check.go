package storage

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/containers/storage/pkg/archive"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// layerChecker refuses the tar entries of a layer that aim outside it:
// names climbing out with "..", hard links to anything but an earlier
// entry of the same archive, and entries written through a symlink the
// archive itself made (evil -> /etc, then evil/passwd). containers/storage
// unpacks layers inside a chroot, which already contains all of these;
// refusing them up front gives a clear error instead of a layer with
// surprising contents. Absolute symlinks by themselves are ordinary in
// images (they resolve inside the container) and are kept.
type layerChecker struct {
	entries  map[string]bool
	symlinks map[string]bool
}

func newLayerChecker() *layerChecker {
	return &layerChecker{entries: map[string]bool{}, symlinks: map[string]bool{}}
}

// entryPath cleans a tar name to a path relative to the layer root, or
// reports that it climbs out of it.
func entryPath(name string) (string, bool) {
	if c := path.Clean(name); c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return strings.TrimPrefix(path.Clean("/"+name), "/"), true
}

func (c *layerChecker) check(h *tar.Header) error {
	p, ok := entryPath(h.Name)
	if !ok {
		return errdefs.InvalidArgumentf("entry %q leaves the layer", h.Name)
	}
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if c.symlinks[dir] {
			return errdefs.InvalidArgumentf("entry %q is written through the symlink %q", h.Name, dir)
		}
	}
	switch h.Typeflag {
	case tar.TypeLink:
		target, ok := entryPath(h.Linkname)
		if !ok || !c.entries[target] {
			return errdefs.InvalidArgumentf("hard link %q points outside the archive (to %q)", h.Name, h.Linkname)
		}
		delete(c.symlinks, p)
	case tar.TypeSymlink:
		c.symlinks[p] = true
	default:
		delete(c.symlinks, p)
	}
	c.entries[p] = true
	return nil
}

// checkLayer reads a whole layer (possibly compressed) and checks each
// entry. A layer that ends early is an error.
func checkLayer(r io.Reader) error {
	d, err := archive.DecompressStream(r)
	if err != nil {
		return err
	}
	defer d.Close()
	tr := tar.NewReader(d)
	c := newLayerChecker()
	for n := 0; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return tarError(err, n)
		}
		if err := c.check(h); err != nil {
			return err
		}
	}
}

// checkIfLayer checks an archive member that may be a layer: one that does
// not start like a tar archive (a JSON config or manifest) is skipped.
func checkIfLayer(r io.Reader) error {
	d, err := archive.DecompressStream(r)
	if err != nil {
		return nil
	}
	defer d.Close()
	var head [512]byte
	if _, err := io.ReadFull(d, head[:]); err != nil {
		return nil // shorter than a tar header: not a layer
	}
	if _, err := tar.NewReader(strings.NewReader(string(head[:]))).Next(); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && err != io.EOF {
		return nil
	}
	return checkLayer(io.MultiReader(strings.NewReader(string(head[:])), d))
}

// checkDirLayers checks every regular file of an image directory (an OCI
// layout or a docker-dir) that is a layer, as sniffArchive does for
// archives.
func checkDirLayers(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := checkIfLayer(f); err != nil {
			return fmt.Errorf("layer %s: %w", p, err)
		}
		return nil
	})
}
