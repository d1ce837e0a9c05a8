package images

import (
	"context"
	"strconv"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/storage"
)

// SearchOptions are `search`'s; Filters are stars=N, is-official=BOOL,
// is-automated=BOOL (not with ListTags).
type SearchOptions struct {
	storage.SearchOptions
	Filters []string
}

// SearchResult is one repository (or tag) found.
type SearchResult = storage.SearchResult

// Search searches registries for repositories (see storage.Store.Search)
// and keeps those the filters accept.
func (r *Service) Search(ctx context.Context, term string, o SearchOptions) ([]SearchResult, error) {
	args, err := filters.Parse(o.Filters, "stars", "is-official", "is-automated")
	if err != nil {
		return nil, err
	}
	if len(o.Filters) > 0 && o.ListTags {
		return nil, errdefs.InvalidArgumentf("filters do not apply to --list-tags")
	}
	stars := 0
	for _, v := range filters.Values(args, "stars") {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			return nil, filters.Invalid("stars", v, "want a number")
		}
		stars = n
	}
	official, byOfficial, err := filters.Bool(args, "is-official")
	if err != nil {
		return nil, err
	}
	automated, byAutomated, err := filters.Bool(args, "is-automated")
	if err != nil {
		return nil, err
	}
	found, err := r.store.Search(ctx, term, o.SearchOptions)
	if err != nil {
		return nil, err
	}
	out := []SearchResult{}
	for _, f := range found {
		if f.Stars < stars || (byOfficial && f.Official != official) || (byAutomated && f.Automated != automated) {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}
