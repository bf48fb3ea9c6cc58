package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// TestObservedInTheContract: a vendor's observed signal and its events
// are in the API, in UTC, and match docs/openapi.yaml.
func TestObservedInTheContract(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	r := fixtureReader()
	vs, _ := r.Vendors(t.Context())
	vs[0].Observed = &upstat.Observed{Status: upstat.ObservedFailing, Since: apitest.Time("2024-05-02T11:58:00Z").In(paris), Failing: []string{"api"}}
	r.SetVendors(vs...)
	r.AddEvent(upstat.Event{At: testNow, Type: upstat.EventVendorObservedFailing, Vendor: "github"})
	s, _ := newTestServer(t, r, nil)

	var v map[string]any
	getJSON(t, s.Handler(), "/api/v1/vendors/github", http.StatusOK, &v)
	obs, _ := v["observed"].(map[string]any)
	if obs["status"] != "failing" {
		t.Fatalf("observed = %v", v["observed"])
	}
	wantUTC(t, "observed.since", obs["since"], apitest.Time("2024-05-02T11:58:00Z"))
	if v["status"] != "partial_outage" {
		t.Fatalf("status = %v, want the reported partial_outage", v["status"])
	}
	var sum struct{ Vendors []any }
	getJSON(t, s.Handler(), "/api/v1/summary", http.StatusOK, &sum)
	var evs struct{ Events []any }
	getJSON(t, s.Handler(), "/api/v1/events", http.StatusOK, &evs)
	for name, c := range map[string]struct {
		schema string
		v      any
	}{
		"vendor":  {"VendorSummary", stripTo(t, v, "VendorSummary", doc)},
		"summary": {"VendorSummary", sum.Vendors[0]},
		"event":   {"Event", evs.Events[len(evs.Events)-1]},
	} {
		if err := doc.Components.Schemas[c.schema].Value.VisitJSON(c.v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s does not match %s: %v", name, c.schema, err)
		}
	}
}

// stripTo keeps the properties of v that schema names (a Vendor is a
// VendorSummary with more).
func stripTo(t *testing.T, v map[string]any, schema string, doc *openapi3.T) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k := range doc.Components.Schemas[schema].Value.Properties {
		if x, ok := v[k]; ok {
			out[k] = x
		}
	}
	b, _ := json.Marshal(out)
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}
