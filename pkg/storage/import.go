package storage

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/containers/image/v5/docker/reference"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/tarball"
	"github.com/containers/storage/pkg/archive"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// ImportOptions say what Import builds.
type ImportOptions struct {
	// Source is a file, "-" for Stdin, or an http(s) URL of a root
	// filesystem tarball: uncompressed, gzip, bzip2, xz or zstd.
	Source    string
	Stdin     io.Reader
	Reference string   // name of the new image; "" leaves it untagged
	Changes   []string // Dockerfile instructions applied to the config
	Message   string   // history comment
	Progress  io.Writer
	// OS, Arch and Variant are the platform the image's configuration
	// records; empty: linux and this machine's architecture.
	OS, Arch, Variant string
	// Annotations go into the image's OCI manifest (a checkpoint image's
	// io.podman.annotations.checkpoint.* keys).
	Annotations map[string]string
}

// Import makes a one-layer image from a root filesystem tarball and
// returns its ID. The input is decompressed into a private file under the
// store's tmp dir and read through as a tar archive before anything is
// written to storage; layers a failed copy committed are removed again.
func (s *Store) Import(ctx context.Context, o ImportOptions) (id string, err error) {
	cfg, err := ParseChanges(o.Changes)
	if err != nil {
		return "", err
	}
	var named reference.Named
	if o.Reference != "" {
		if named, err = NormalizeName(o.Reference); err != nil {
			return "", err
		}
	}
	in, err := openImportSource(ctx, o.Source, o.Stdin)
	if err != nil {
		return "", err
	}
	defer in.Close()

	f, err := os.CreateTemp(s.sys.BigFilesTemporaryDir, "import-*.tar")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(f.Name())
	err = copyTar(f, in)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("import %s: %w", o.Source, err)
	}

	ref, err := tarball.NewReference([]string{f.Name()}, nil)
	if err != nil {
		return "", err
	}
	now := time.Now().UTC()
	img := v1.Image{
		Created:  &now,
		Platform: v1.Platform{OS: "linux", Architecture: runtime.GOARCH, Variant: o.Variant},
		Config:   cfg,
	}
	if o.OS != "" {
		img.OS = o.OS
	}
	if o.Arch != "" {
		img.Architecture = o.Arch
	}
	if o.Message != "" {
		img.History = []v1.History{{Created: &now, Comment: o.Message}}
	}
	if err := ref.(tarball.ConfigUpdater).ConfigUpdate(img, o.Annotations); err != nil {
		return "", err
	}
	id, diffIDs, err := s.imageIDOf(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("import %s: %w", o.Source, err)
	}
	rb, err := s.newRollback()
	if err != nil {
		return "", err
	}
	rb.expectLayers(diffIDs)
	dst, err := istorage.Transport.NewStoreReference(s.Store, named, id)
	if err != nil {
		return "", err
	}
	existed, oldNames := rb.beforeImage(id)
	_, err = s.copyLocal(ctx, dst, ref, o.Progress, "", nil)
	var names []string
	if named != nil {
		names = []string{named.String()}
	}
	rb.wrote(id, existed, oldNames, names)
	if err != nil {
		rb.undo()
		return "", fmt.Errorf("import %s: %w", o.Source, err)
	}
	return id, nil
}

// openImportSource opens a file, stdin or a URL.
func openImportSource(ctx context.Context, src string, stdin io.Reader) (io.ReadCloser, error) {
	switch {
	case src == "-":
		if stdin == nil {
			return nil, errdefs.InvalidArgumentf("no standard input")
		}
		return io.NopCloser(stdin), nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, errdefs.InvalidArgumentf("%s: %w", src, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("download %s: %s", src, resp.Status)
		}
		return resp.Body, nil
	}
	f, err := os.Open(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errdefs.NotFoundf("%s: no such file or directory", src)
	}
	return f, err
}

// copyTar decompresses in into out and reads it through as a tar archive,
// so that a truncated, non-tar or hostile input (see layerChecker) fails
// here rather than half way into a layer.
func copyTar(out io.Writer, in io.Reader) error {
	r, err := archive.DecompressStream(in)
	if err != nil {
		return errdefs.InvalidArgument(err)
	}
	defer r.Close()
	tee := io.TeeReader(r, out)
	tr := tar.NewReader(tee)
	entries := 0
	c := newLayerChecker()
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return tarError(err, entries)
		}
		entries++
		if err := c.check(h); err != nil {
			return err
		}
	}
	if entries == 0 {
		return errdefs.InvalidArgumentf("not a tar archive, or an empty one")
	}
	// The end-of-archive blocks and any padding belong to the layer too.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}
