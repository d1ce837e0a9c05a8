package api

import (
	"net/http"
	"strconv"

	"github.com/moby/moby/api/types/registry"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/storage"
)

// imageSearch serves GET /images/search (`docker search`): the registry
// the term names, else the unqualified-search registries, searched as
// `pod search` does; filters are stars, is-official and is-automated.
func (s *Server) imageSearch(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	term := q.Get("term")
	if term == "" {
		writeError(w, errdefs.InvalidArgumentf("term: a search term is required"))
		return
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, errdefs.InvalidArgumentf("limit: %q is not a number of results", v))
			return
		}
		limit = n
	}
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	creds, err := registryAuth(req)
	if err != nil {
		writeError(w, err)
		return
	}
	found, err := s.rt.Images().Search(req.Context(), term, images.SearchOptions{
		SearchOptions: storage.SearchOptions{
			RegistryOptions: storage.RegistryOptions{TLSVerify: tlsFor(term), Credentials: creds},
			Limit:           limit,
		},
		Filters: fs,
	})
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]registry.SearchResult, 0, len(found))
	for _, f := range found {
		out = append(out, registry.SearchResult{Name: f.Name, Description: f.Description, StarCount: f.Stars,
			IsOfficial: f.Official, IsAutomated: f.Automated})
	}
	writeJSON(w, http.StatusOK, out)
}
