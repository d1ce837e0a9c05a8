package api

import (
	"net/http"
	"sort"

	dfilters "github.com/docker/docker/api/types/filters"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// filterArgs turns the request's `filters` parameter (Docker's JSON,
// {"key":{"value":true}} or the older {"key":["value"]}) into the
// KEY=VALUE strings every engine filter takes, as --filter gives them.
func filterArgs(req *http.Request) ([]string, error) {
	raw := req.URL.Query().Get("filters")
	if raw == "" {
		return nil, nil
	}
	args, err := dfilters.FromJSON(raw)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("filters: %v", err)
	}
	var out []string
	keys := args.Keys()
	sort.Strings(keys)
	for _, k := range keys {
		vals := args.Get(k)
		sort.Strings(vals)
		for _, v := range vals {
			out = append(out, k+"="+v)
		}
	}
	return out, nil
}
