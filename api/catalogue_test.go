package api

import (
	"net/http"
	"testing"
)

type catalogueBody struct {
	Entries []struct {
		ID, Name, Kind, URL string
		Aliases, Domains    []string
	} `json:"entries"`
	Total int `json:"total"`
}

func TestCatalogueSearch(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	var body catalogueBody
	getJSON(t, s.Handler(), "/api/v1/catalogue?q=stripe", http.StatusOK, &body)
	if body.Total == 0 || body.Entries[0].ID != "stripe" || body.Entries[0].URL == "" {
		t.Fatalf("q=stripe: %+v", body)
	}
	getJSON(t, s.Handler(), "/api/v1/catalogue?q=atlassian&kind=statuspage&limit=2", http.StatusOK, &body)
	if len(body.Entries) != 2 || body.Total <= 2 || body.Entries[0].ID != "atlassian" {
		t.Errorf("limit 2 of %d: %+v", body.Total, body.Entries)
	}
	for _, e := range body.Entries {
		if e.Kind != "statuspage" {
			t.Errorf("kind filter let %s (%s) through", e.ID, e.Kind)
		}
	}
	getJSON(t, s.Handler(), "/api/v1/catalogue", http.StatusOK, &body)
	if len(body.Entries) != defaultCatalogueLimit || body.Total < 900 {
		t.Errorf("no q: %d entries of %d", len(body.Entries), body.Total)
	}
	getJSON(t, s.Handler(), "/api/v1/catalogue?q=zzzz-none", http.StatusOK, &body)
	if body.Total != 0 || body.Entries == nil {
		t.Errorf("no match must be an empty list: %+v", body)
	}
}

func TestCatalogueBadParams(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	for target, param := range map[string]string{
		"/api/v1/catalogue?kind=carrier-pigeon": `"kind"`,
		"/api/v1/catalogue?limit=0":             `"limit"`,
		"/api/v1/catalogue?limit=99999":         `"limit"`,
		"/api/v1/catalogue?q=a&q=b":             `"q"`,
		"/api/v1/catalogue?q=" + longWord():     `"q"`,
	} {
		wantError(t, do(s.Handler(), http.MethodGet, target, nil), http.StatusBadRequest, "bad_request", param)
	}
}

func longWord() string {
	b := make([]byte, maxCatalogueQuery+1)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

// The catalogue is behind the read token like every other read.
func TestCatalogueNeedsReadToken(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.ReadToken = "r3ad" })
	if rec := do(s.Handler(), http.MethodGet, "/api/v1/catalogue?q=github", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("without token: %d, want 401", rec.Code)
	}
	var body catalogueBody
	rec := do(s.Handler(), http.MethodGet, "/api/v1/catalogue?q=github", http.Header{"Authorization": {"Bearer r3ad"}})
	decodeJSON(t, rec, http.StatusOK, &body)
	if body.Total == 0 {
		t.Error("with token: no entries")
	}
}
