package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/containers/image/v5/directory"
	dockerarchive "github.com/containers/image/v5/docker/archive"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	ociarchive "github.com/containers/image/v5/oci/archive"
	"github.com/containers/image/v5/oci/layout"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/atomicfile"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// Archive formats of Save, named as podman names them.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
	FormatOCIDir        = "oci-dir"
	FormatDockerDir     = "docker-dir"
)

// SaveOptions say what Save writes.
type SaveOptions struct {
	Images []string // names or IDs; several only for docker-archive
	Format string   // one of the Format constants; "" is docker-archive
	// Output is the file or directory to write. Empty means Stdout (archive
	// formats only).
	Output   string
	Stdout   io.Writer
	Progress io.Writer // copy progress; nil for none
	// Uncompressed keeps layers uncompressed in the OCI formats, which
	// otherwise gzip them (docker formats hold uncompressed layers anyway).
	Uncompressed bool
	// Compress gzips the layers of a docker-dir, which keeps them
	// uncompressed otherwise (podman's save --compress).
	Compress bool
}

// destSys is the destination context of an OCI save: nil (the store's)
// unless the layers stay uncompressed.
func (s *Store) destSys(o SaveOptions) *types.SystemContext {
	if !o.Uncompressed && !o.Compress {
		return nil
	}
	sys := *s.sys
	sys.OCIAcceptUncompressedLayers = o.Uncompressed
	sys.DirForceCompress = o.Compress
	return &sys
}

// Save writes local images to an archive or directory. An archive file is
// written beside its final path and renamed into place, so a failed save
// leaves no partial file; a directory Save created is removed on failure.
func (s *Store) Save(ctx context.Context, o SaveOptions) (err error) {
	if o.Format == "" {
		o.Format = FormatDockerArchive
	}
	if len(o.Images) == 0 {
		return errdefs.InvalidArgumentf("no image to save")
	}
	switch o.Format {
	case FormatDockerArchive, FormatOCIArchive, FormatOCIDir, FormatDockerDir:
		if o.Compress && o.Format != FormatDockerDir {
			return errdefs.InvalidArgumentf("--compress applies to the docker-dir format only")
		}
		if o.Compress && o.Uncompressed {
			return errdefs.InvalidArgumentf("--compress and --uncompressed contradict each other")
		}
	default:
		return errdefs.InvalidArgumentf("unsupported format %q: use docker-archive, oci-archive, oci-dir or docker-dir", o.Format)
	}
	if len(o.Images) > 1 && o.Format != FormatDockerArchive {
		return errdefs.InvalidArgumentf("unsupported format %q for saving multiple images (only docker-archive)", o.Format)
	}
	isDir := o.Format == FormatOCIDir || o.Format == FormatDockerDir
	if isDir && o.Output == "" {
		return errdefs.InvalidArgumentf("format %s writes a directory: name it with -o", o.Format)
	}
	imgs := make([]*cstorage.Image, len(o.Images))
	tags := make([]reference.NamedTagged, len(o.Images))
	for i, name := range o.Images {
		if imgs[i], tags[i], err = s.lookupForArchive(name); err != nil {
			return err
		}
	}
	if isDir {
		return s.saveDir(ctx, o, imgs[0], tags[0])
	}

	// Archives: write a temporary file in this process's temporary
	// directory, then rename it into place (a regular file) or stream it
	// (stdout, /dev/stdout, a pipe).
	rename := false
	if o.Output != "" {
		fi, err := os.Stat(o.Output)
		switch {
		case errors.Is(err, os.ErrNotExist) || err == nil && fi.Mode().IsRegular():
			rename = true
			// Fail before the work when the archive cannot be written.
			if err := unix.Access(filepath.Dir(o.Output), unix.W_OK); err != nil {
				return fmt.Errorf("write %s: %w", o.Output, err)
			}
		case err != nil:
			return fmt.Errorf("write %s: %w", o.Output, err)
		case fi.IsDir():
			return errdefs.InvalidArgumentf("%s is a directory", o.Output)
		}
	}
	f, err := os.CreateTemp(s.TempDir(), "save-*.tar")
	if err != nil {
		return fmt.Errorf("create archive: %w", err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	if o.Format == FormatOCIArchive {
		// The OCI archive destination creates its file itself.
		if err := os.Remove(tmp); err != nil {
			return err
		}
		if err := s.saveOCIArchive(ctx, tmp, imgs[0], tags[0], o.Progress, s.destSys(o)); err != nil {
			return err
		}
	} else if err := s.saveDockerArchive(ctx, tmp, imgs, tags, o.Progress); err != nil {
		return err
	}
	if rename {
		if err := os.Chmod(tmp, 0o644); err != nil {
			return err
		}
		return moveInto(tmp, o.Output)
	}
	out := o.Stdout
	if o.Output != "" {
		f, err := os.OpenFile(o.Output, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", o.Output, err)
		}
		defer f.Close()
		out = f
	}
	in, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

func storeRef(s *Store, img *cstorage.Image) (types.ImageReference, error) {
	return istorage.Transport.NewStoreReference(s.Store, nil, img.ID)
}

// saveDockerArchive writes one docker-archive holding every image, each
// under the tag it was named by (none when named by ID). An image named
// twice is written once, with both tags.
func (s *Store) saveDockerArchive(ctx context.Context, file string, imgs []*cstorage.Image, tags []reference.NamedTagged, progress io.Writer) error {
	var order []string
	byID := map[string][]reference.NamedTagged{}
	imgOf := map[string]*cstorage.Image{}
	for i, img := range imgs {
		if _, ok := imgOf[img.ID]; !ok {
			order = append(order, img.ID)
			imgOf[img.ID] = img
		}
		if tags[i] != nil {
			byID[img.ID] = append(byID[img.ID], tags[i])
		}
	}
	w, err := dockerarchive.NewWriter(s.sys, file)
	if err != nil {
		return fmt.Errorf("create docker-archive: %w", err)
	}
	for _, id := range order {
		src, err := storeRef(s, imgOf[id])
		if err != nil {
			_ = w.Close()
			return err
		}
		var first reference.NamedTagged
		var more []reference.NamedTagged
		if t := byID[id]; len(t) > 0 {
			first, more = t[0], t[1:]
		}
		dst, err := w.NewReference(first)
		if err != nil {
			_ = w.Close()
			return err
		}
		sys := *s.sys
		sys.DockerArchiveAdditionalTags = more
		if _, err := s.copyLocal(ctx, dst, src, progress, manifest.DockerV2Schema2MediaType, &sys); err != nil {
			_ = w.Close()
			return fmt.Errorf("save image %s: %w", id, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("finish docker-archive: %w", err)
	}
	return nil
}

// saveOCIArchive writes one image as an oci-archive, its index entry
// annotated with the name it was saved by.
func (s *Store) saveOCIArchive(ctx context.Context, file string, img *cstorage.Image, tag reference.NamedTagged, progress io.Writer, dstSys *types.SystemContext) error {
	src, err := storeRef(s, img)
	if err != nil {
		return err
	}
	name := ""
	if tag != nil {
		name = tag.String()
	}
	dst, err := ociarchive.NewReference(file, name)
	if err != nil {
		return err
	}
	if _, err := s.copyLocal(ctx, dst, src, progress, v1.MediaTypeImageManifest, dstSys); err != nil {
		return fmt.Errorf("save image %s: %w", img.ID, err)
	}
	return nil
}

// saveDir writes an OCI layout (adding to one that exists) or a docker-dir.
func (s *Store) saveDir(ctx context.Context, o SaveOptions, img *cstorage.Image, tag reference.NamedTagged) (err error) {
	if _, statErr := os.Stat(o.Output); errors.Is(statErr, os.ErrNotExist) {
		if err := os.MkdirAll(o.Output, 0o755); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				_ = os.RemoveAll(o.Output)
			}
		}()
	}
	src, err := storeRef(s, img)
	if err != nil {
		return err
	}
	var dst types.ImageReference
	mime := manifest.DockerV2Schema2MediaType
	if o.Format == FormatOCIDir {
		name := ""
		if tag != nil {
			name = tag.String()
		}
		dst, err = layout.NewReference(o.Output, name)
		mime = v1.MediaTypeImageManifest
	} else {
		dst, err = directory.NewReference(o.Output)
	}
	if err != nil {
		return errdefs.InvalidArgumentf("%s: %w", o.Output, err)
	}
	if _, err := s.copyLocal(ctx, dst, src, o.Progress, mime, s.destSys(o)); err != nil {
		return fmt.Errorf("save image %s: %w", img.ID, err)
	}
	return nil
}

// moveInto renames tmp onto dst, or, on another file system, copies it to
// an atomicfile beside dst first, so that dst is only ever replaced whole
// (and a copy killed before its rename is swept by the next one).
func moveInto(tmp, dst string) error {
	err := os.Rename(tmp, dst)
	if err == nil || !errors.Is(err, unix.EXDEV) {
		if err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
		return nil
	}
	out, err := atomicfile.Create(dst, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", dst, errors.Unwrap(err))
	}
	defer out.Close()
	in, err := os.Open(tmp)
	if err == nil {
		_, err = io.Copy(out, in)
		in.Close()
	}
	if err == nil {
		err = out.Commit()
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return nil
}
