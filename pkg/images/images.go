// Package images is pod's local images as its commands see them: pull,
// push, login, list, inspect, history, tag and untag, remove, prune, save,
// load, import, build and their share of the disk, over the image store
// of pkg/storage. Every change is
// recorded as an image event through the function the caller gives New.
//
// Contracts a caller may rely on:
//   - Names resolve as podman resolves them: short names through
//     registries.conf, full names, IDs and ID prefixes; a name that
//     matches nothing is an errdefs.ErrNotFound reading
//     "NAME: image not known".
//   - An image a storage container uses is not removed without Force
//     (errdefs.ErrConflict). With Force its storage containers are
//     deleted first; their rows in the state DB are the engine's (its
//     rm removes a row whose storage is gone).
//   - Nothing here knows about container lifecycles, flags or exit codes:
//     what needs a container (build's RUN steps) comes in through an
//     interface (StepRunner), and creating a container resolves its image
//     through Resolve.
package images

import (
	"context"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/storage"
)

// EventFunc records that action happened to the image id, named name (the
// reference the user gave, or the name it was stored under). Recording is
// a side record of work already done: it never fails the operation.
type EventFunc func(ctx context.Context, action, id, name string)

// Service is the local images of one image store.
type Service struct {
	store *storage.Store
	event EventFunc
}

// New returns the images of store; event (nil for none) records what
// changed.
func New(store *storage.Store, event EventFunc) *Service {
	if event == nil {
		event = func(context.Context, string, string, string) {}
	}
	return &Service{store: store, event: event}
}

// imageEvent records action on the image id, named name.
func (r *Service) imageEvent(ctx context.Context, action, id, name string) {
	r.event(ctx, action, id, name)
}

// imageEvents records action on image id once for each of names.
func (r *Service) imageEvents(ctx context.Context, action, id string, names []string) {
	for _, n := range names {
		r.imageEvent(ctx, action, id, n)
	}
}

// imageEventsByName records action on each local image of names, looked
// up by name; the event is named as, or, when given, as name.
func (r *Service) imageEventsByName(ctx context.Context, action string, names []string, as string) {
	for _, n := range names {
		img, err := r.lookupImage(n)
		if err != nil {
			logrus.Debugf("record %s event of %s: %v", action, n, err)
			continue
		}
		if as != "" {
			n = as
		}
		r.imageEvent(ctx, action, img.ID, n)
	}
}

// firstName is an image's first name, "" when it has none.
func firstName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}
