package images

import (
	"context"
	"io"

	"github.com/pod-engine/pod/pkg/storage"
)

// SaveImages writes local images to a docker-archive, an oci-archive, an
// OCI layout or a docker-dir (see storage.SaveOptions).
func (r *Service) SaveImages(ctx context.Context, o storage.SaveOptions) error {
	if err := r.store.Save(ctx, o); err != nil {
		return err
	}
	r.imageEventsByName(ctx, "save", o.Images, "")
	return nil
}

// LoadOptions say where LoadImages reads from.
type LoadOptions struct {
	Input    string    // archive file or directory; "" reads Stdin
	Stdin    io.Reader // used when Input is ""
	Progress io.Writer // copy progress; nil for none
}

// LoadImages loads every image of an archive or directory and returns
// their names ("sha256:ID" for an image without one). A failed load leaves
// storage as it was.
func (r *Service) LoadImages(ctx context.Context, o LoadOptions) ([]string, error) {
	var names []string
	var err error
	if o.Input == "" {
		names, err = r.store.LoadReader(ctx, o.Stdin, o.Progress)
	} else {
		names, err = r.store.Load(ctx, o.Input, o.Progress)
	}
	if err == nil {
		r.imageEventsByName(ctx, "load", names, "")
	}
	return names, err
}

// ImportImage makes a one-layer image from a root filesystem tarball and
// returns its ID.
func (r *Service) ImportImage(ctx context.Context, o storage.ImportOptions) (string, error) {
	id, err := r.store.Import(ctx, o)
	if err == nil {
		r.imageEvent(ctx, "import", id, o.Reference)
	}
	return id, err
}
