package storage

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containers/image/v5/directory"
	dockerarchive "github.com/containers/image/v5/docker/archive"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/oci/layout"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage/pkg/archive"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/diskspace"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// loadItem is one image found in an archive, ready to be copied.
type loadItem struct {
	src     types.ImageReference
	id      string
	names   []string // fully qualified; empty for an untagged image
	diffIDs []digest.Digest
}

// Load copies every image of a docker-archive, an oci-archive (either
// possibly compressed), an OCI layout directory or a docker-dir directory
// into the store. It returns what it loaded, one entry per name, or
// "sha256:ID" for an image without one. Nothing is copied until the whole
// input has been read and checked; if a copy fails, the images, names and
// layers this load added are removed again.
func (s *Store) Load(ctx context.Context, input string, progress io.Writer) ([]string, error) {
	fi, err := os.Stat(input)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFoundf("%s: no such file or directory", input)
		}
		return nil, err
	}
	var items []loadItem
	if fi.IsDir() {
		if err = checkDirLayers(input); err == nil {
			items, err = s.dirItems(ctx, input)
		}
	} else {
		var done func()
		items, done, err = s.archiveItems(ctx, input)
		if done != nil {
			defer done()
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.copyItems(ctx, items, progress); err != nil {
		return nil, err
	}
	return loadedNames(items), nil
}

func loadedNames(items []loadItem) []string {
	var out []string
	for _, it := range items {
		if len(it.names) == 0 {
			out = append(out, "sha256:"+it.id)
			continue
		}
		out = append(out, it.names...)
	}
	return out
}

// copyItems copies the images into storage, all or nothing.
func (s *Store) copyItems(ctx context.Context, items []loadItem, progress io.Writer) (err error) {
	rb, err := s.newRollback()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			rb.undo()
		}
	}()
	for _, it := range items {
		rb.expectLayers(it.diffIDs)
		var first reference.Named
		if len(it.names) > 0 {
			if first, err = reference.ParseNormalizedNamed(it.names[0]); err != nil {
				return err
			}
		}
		dst, err := istorage.Transport.NewStoreReference(s.Store, first, it.id)
		if err != nil {
			return err
		}
		existed, oldNames := rb.beforeImage(it.id)
		_, err = s.copyLocal(ctx, dst, it.src, progress, "", nil)
		if err == nil && len(it.names) > 1 {
			err = s.AddNames(it.id, it.names[1:])
		}
		rb.wrote(it.id, existed, oldNames, it.names)
		if err != nil {
			return fmt.Errorf("load image %s: %w", imageLabel(it), err)
		}
	}
	return nil
}

func imageLabel(it loadItem) string {
	if len(it.names) > 0 {
		return it.names[0]
	}
	return "sha256:" + it.id
}

// dirItems reads an OCI layout or a docker-dir directory.
func (s *Store) dirItems(ctx context.Context, dir string) ([]loadItem, error) {
	if _, err := os.Stat(filepath.Join(dir, v1.ImageLayoutFile)); err == nil {
		return s.layoutItems(ctx, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		ref, err := directory.NewReference(dir)
		if err != nil {
			return nil, err
		}
		id, diffIDs, err := s.imageIDOf(ctx, ref)
		if err != nil {
			return nil, errdefs.InvalidArgumentf("read image in %s: %w", dir, err)
		}
		return []loadItem{{src: ref, id: id, diffIDs: diffIDs}}, nil
	}
	return nil, errdefs.InvalidArgumentf("%s is neither an OCI layout (no oci-layout file) nor a docker-dir (no manifest.json)", dir)
}

// layoutItems lists the images of an OCI layout, one per index entry,
// merged by image ID. An entry is named by its containerd or OCI
// ref.name annotation, normalised as podman does; without one the image
// stays untagged.
func (s *Store) layoutItems(ctx context.Context, dir string) ([]loadItem, error) {
	b, err := os.ReadFile(filepath.Join(dir, v1.ImageIndexFile))
	if err != nil {
		return nil, errdefs.InvalidArgumentf("read OCI index: %w", err)
	}
	var idx v1.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, errdefs.InvalidArgumentf("parse OCI index.json: %w", err)
	}
	if len(idx.Manifests) == 0 {
		return nil, errdefs.InvalidArgumentf("OCI index.json lists no images")
	}
	var items []loadItem
	for i, m := range idx.Manifests {
		ref, err := layout.NewIndexReference(dir, i)
		if err != nil {
			return nil, err
		}
		id, diffIDs, err := s.imageIDOf(ctx, ref)
		if err != nil {
			return nil, errdefs.InvalidArgumentf("read image %d of the OCI index: %w", i, err)
		}
		var names []string
		if n := ociRefName(m.Annotations); n != "" {
			if named, err := NormalizeName(n); err == nil {
				names = append(names, named.String())
			}
		}
		items = mergeItem(items, loadItem{src: ref, id: id, names: names, diffIDs: diffIDs})
	}
	return items, nil
}

func ociRefName(ann map[string]string) string {
	if n := ann["io.containerd.image.name"]; n != "" {
		return n
	}
	return ann[v1.AnnotationRefName]
}

func mergeItem(items []loadItem, it loadItem) []loadItem {
	for i := range items {
		if items[i].id == it.id {
			for _, n := range it.names {
				if !slices.Contains(items[i].names, n) {
					items[i].names = append(items[i].names, n)
				}
			}
			return items
		}
	}
	return append(items, it)
}

// archiveItems reads an archive file: a docker-archive through
// containers/image's reader, an oci-archive by unpacking it into a private
// directory under the store's tmp dir. done releases either and must be
// called after the copies.
func (s *Store) archiveItems(ctx context.Context, file string) (items []loadItem, done func(), err error) {
	kind, err := sniffArchive(file)
	if err != nil {
		return nil, nil, err
	}
	if kind == kindOCI {
		dir, err := os.MkdirTemp(s.sys.BigFilesTemporaryDir, "oci-load-")
		if err != nil {
			return nil, nil, err
		}
		done = func() { _ = os.RemoveAll(dir) }
		f, err := os.Open(file)
		if err != nil {
			return nil, done, err
		}
		defer f.Close()
		// sniffArchive has refused links and names leaving the
		// directory, so unpacking here cannot write outside dir.
		if err := archive.Untar(f, dir, &archive.TarOptions{NoLchown: true}); err != nil {
			return nil, done, errdefs.InvalidArgumentf("unpack oci-archive %s: %w", file, err)
		}
		items, err = s.layoutItems(ctx, dir)
		return items, done, err
	}
	reader, err := dockerarchive.NewReader(s.sys, file)
	if err != nil {
		return nil, nil, errdefs.InvalidArgumentf("read docker-archive %s: %w", file, err)
	}
	done = func() { _ = reader.Close() }
	lists, err := reader.List()
	if err != nil {
		return nil, done, errdefs.InvalidArgumentf("read docker-archive %s: %w", file, err)
	}
	for i, refs := range lists {
		if len(refs) == 0 {
			continue
		}
		id, diffIDs, err := s.imageIDOf(ctx, refs[0])
		if err != nil {
			return nil, done, errdefs.InvalidArgumentf("read image %d of docker-archive %s: %w", i, file, err)
		}
		it := loadItem{src: refs[0], id: id, diffIDs: diffIDs}
		for _, r := range refs {
			if named := r.DockerReference(); named != nil {
				it.names = append(it.names, named.String())
			}
		}
		items = mergeItem(items, it)
	}
	if len(items) == 0 {
		return nil, done, errdefs.InvalidArgumentf("docker-archive %s holds no images", file)
	}
	return items, done, nil
}

type archiveKind int

const (
	kindDocker archiveKind = iota
	kindOCI
)

// sniffArchive reads a whole (possibly compressed) tar file and tells a
// docker-archive (manifest.json) from an oci-archive (oci-layout,
// index.json). Reading it all first means a truncated or corrupt file is
// refused before anything is written to storage. An oci-archive holds only
// directories and regular files; any link or name leaving the archive root
// is refused, because containers/image unpacks oci-archives without a
// chroot. Every member that is a layer is checked as import checks its
// tarball (see layerChecker).
func sniffArchive(file string) (archiveKind, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := archive.DecompressStream(f)
	if err != nil {
		return 0, errdefs.InvalidArgumentf("%s: %w", file, err)
	}
	defer r.Close()
	tr := tar.NewReader(r)
	var docker, oci bool
	var unsafeEntry string
	entries := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", file, tarError(err, entries))
		}
		entries++
		if h.Typeflag == tar.TypeReg {
			if err := checkIfLayer(tr); err != nil {
				return 0, fmt.Errorf("%s: layer %s: %w", file, h.Name, err)
			}
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		switch name {
		case "manifest.json":
			docker = true
		case v1.ImageLayoutFile, v1.ImageIndexFile:
			oci = true
		}
		if unsafeEntry == "" && (path.IsAbs(h.Name) || name == ".." || strings.HasPrefix(name, "../") ||
			(h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeDir)) {
			unsafeEntry = h.Name
		}
	}
	switch {
	case entries == 0:
		return 0, errdefs.InvalidArgumentf("%s is not an image archive: it is empty", file)
	case oci && !docker:
		if unsafeEntry != "" {
			return 0, errdefs.InvalidArgumentf("%s: oci-archive entry %q is a link or leaves the archive", file, unsafeEntry)
		}
		return kindOCI, nil
	case docker:
		return kindDocker, nil
	}
	return 0, errdefs.InvalidArgumentf("%s is neither a docker-archive (no manifest.json) nor an oci-archive (no index.json)", file)
}

// tarError turns archive/tar's errors into what a user can act on.
// entries is how many entries were read before err.
func tarError(err error, entries int) error {
	switch {
	case diskspace.IsFull(err):
		// Spooling the archive failed: nothing is wrong with it.
		return err
	case entries == 0:
		return errdefs.InvalidArgumentf("not a tar archive (%v)", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errdefs.InvalidArgumentf("archive is truncated (unexpected end of data)")
	case errors.Is(err, tar.ErrHeader):
		return errdefs.InvalidArgumentf("not a tar archive (%v)", err)
	}
	return errdefs.InvalidArgumentf("read archive: %w", err)
}

// LoadReader loads from a stream (stdin): it is spooled to a private file
// under the store's tmp dir first, because neither archive format can be
// read in one pass. The file is removed before LoadReader returns.
func (s *Store) LoadReader(ctx context.Context, r io.Reader, progress io.Writer) ([]string, error) {
	f, err := os.CreateTemp(s.sys.BigFilesTemporaryDir, "load-*.tar")
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	return s.Load(ctx, f.Name(), progress)
}
