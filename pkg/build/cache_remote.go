package build

import (
	"context"
	"strings"

	"github.com/sirupsen/logrus"
)

// CacheBackend is what --cache-from and --cache-to need besides Backend:
// step images fetched from and sent to a registry repository, tagged by
// their cache key. A Backend without it cannot use remote caches.
type CacheBackend interface {
	// PullCache fetches ref and returns its local ID; ok is false when the
	// repository has no such tag (or cannot be reached: a cache is
	// optional).
	PullCache(ctx context.Context, ref string) (id string, ok bool)
	// PushCache sends the local image id to ref.
	PushCache(ctx context.Context, id, ref string) error
}

// cacheTag is the tag a step's image has in a cache repository: its key's
// hex digits.
func cacheTag(key string) string {
	return strings.TrimPrefix(key, "sha256:")
}

// remoteCached looks key up in the --cache-from repositories, in order.
func (b *Builder) remoteCached(ctx context.Context, key string) (string, bool) {
	cb, ok := b.be.(CacheBackend)
	if !ok || key == "" {
		return "", false
	}
	for _, repo := range b.o.CacheFrom {
		if id, ok := cb.PullCache(ctx, repo+":"+cacheTag(key)); ok {
			return id, true
		}
	}
	return "", false
}

// pushCache sends a step's image to the --cache-to repositories. A
// failure is a warning: the build's result does not depend on it.
func (b *Builder) pushCache(ctx context.Context, id, key string) {
	cb, ok := b.be.(CacheBackend)
	if !ok {
		return
	}
	for _, repo := range b.o.CacheTo {
		if err := cb.PushCache(ctx, id, repo+":"+cacheTag(key)); err != nil {
			logrus.Warnf("--cache-to %s: %v", repo, err)
		}
	}
}
