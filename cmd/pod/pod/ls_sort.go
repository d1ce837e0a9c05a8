package pod

import (
	"slices"
	"strings"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// sortPods orders list by --sort; with a nil list it only checks the key.
func sortPods(list []*engine.ListedPod, key string) error {
	var cmp func(a, b *engine.ListedPod) int
	switch key {
	case "created":
		cmp = func(a, b *engine.ListedPod) int { return b.CreatedAt.Compare(a.CreatedAt) }
	case "id":
		cmp = func(a, b *engine.ListedPod) int { return strings.Compare(a.ID, b.ID) }
	case "name":
		cmp = func(a, b *engine.ListedPod) int { return strings.Compare(a.Name, b.Name) }
	case "number":
		cmp = func(a, b *engine.ListedPod) int { return len(a.Containers) - len(b.Containers) }
	case "status":
		cmp = func(a, b *engine.ListedPod) int { return strings.Compare(a.Status, b.Status) }
	default:
		return errdefs.InvalidArgumentf("invalid --sort %q: use created, id, name, number or status", key)
	}
	slices.SortStableFunc(list, cmp)
	return nil
}
