package images

import (
	"context"
	"time"
)

// HistoryEntry is one step that built an image, newest first in
// ImageHistory's result.
type HistoryEntry struct {
	// ID is the image's ID for the newest entry and "<missing>" for the
	// steps below it, as Docker and podman show them.
	ID        string
	Created   time.Time
	CreatedBy string
	Size      int64 // bytes the step's layer adds; 0 for empty layers
	Comment   string
	Tags      []string // the image's names, on the newest entry
}

// ImageHistory lists the steps recorded in an image's configuration, newest
// first, each with the size of the layer it made.
func (r *Service) ImageHistory(ctx context.Context, nameOrID string) ([]HistoryEntry, error) {
	img, err := r.lookupImage(nameOrID)
	if err != nil {
		return nil, err
	}
	data, err := r.store.ImageData(ctx, img.ID)
	if err != nil {
		return nil, err
	}
	layer := 0
	out := make([]HistoryEntry, 0, len(data.Config.History))
	for _, h := range data.Config.History {
		e := HistoryEntry{ID: "<missing>", CreatedBy: h.CreatedBy, Comment: h.Comment}
		if h.Created != nil {
			e.Created = *h.Created
		}
		if !h.EmptyLayer && layer < len(data.Layers) {
			e.Size = data.Layers[layer].UncompressedSize
			layer++
		}
		out = append(out, e)
	}
	// An image without history still has layers; show one entry per layer.
	if len(out) == 0 {
		for _, l := range data.Layers {
			e := HistoryEntry{ID: "<missing>", Size: l.UncompressedSize}
			if l.Created.IsZero() {
				e.Created = img.Created
			} else {
				e.Created = l.Created
			}
			out = append(out, e)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if len(out) > 0 {
		out[0].ID = img.ID
		out[0].Tags = img.Names
	}
	return out, nil
}
