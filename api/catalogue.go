package api

import (
	"net/http"
	"strings"

	"github.com/upstat/upstat/catalogue"
)

// Limits of GET /api/v1/catalogue.
const (
	defaultCatalogueLimit = 50
	maxCatalogueLimit     = 2000
	maxCatalogueQuery     = 100 // bytes of q
)

// catalogueResponse is the body of GET /api/v1/catalogue.
type catalogueResponse struct {
	// Entries are the matches, best first (by id when q is empty).
	Entries []catalogue.Entry `json:"entries"`
	// Total counts every match; Entries holds at most limit of them.
	Total int `json:"total"`
}

// handleCatalogue serves GET /api/v1/catalogue?q=WORD&kind=K&limit=N: the
// built-in catalogue searched by word (id, name, alias, host, domain,
// category) and filtered by source kind, for UIs that help write a
// configuration. Without q it lists the catalogue.
func (s *Server) handleCatalogue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := singleValued(q, "q", "kind", "limit"); err != nil {
		s.writeError(w, r, err)
		return
	}
	word, kind := strings.TrimSpace(q.Get("q")), q.Get("kind")
	if len(word) > maxCatalogueQuery {
		s.writeError(w, r, badParam("q", "longer than %d bytes", maxCatalogueQuery))
		return
	}
	limit, err := parseLimit(q.Get("limit"), defaultCatalogueLimit, maxCatalogueLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cat, err := catalogue.Default()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if kind != "" && cat.Kinds()[kind] == 0 {
		s.writeError(w, r, badParam("kind", "%q is not a kind of the catalogue", kind))
		return
	}
	found := cat.List("")
	if word != "" {
		found = cat.Search(word)
	}
	out := catalogueResponse{Entries: []catalogue.Entry{}}
	for _, e := range found {
		if kind != "" && e.Kind != kind {
			continue
		}
		if out.Total++; len(out.Entries) < limit {
			out.Entries = append(out.Entries, e)
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
