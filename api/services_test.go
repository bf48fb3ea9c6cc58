package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// fixtureServices: checkout depends on GitHub's pushes (partial outage)
// and Stripe's API; status on New Relic (stale, unknown).
func fixtureServices(r upstat.Reader) *apitest.Services {
	return &apitest.Services{Reader: r, List: []upstat.ServiceConfig{
		{ID: "checkout", Name: "Checkout", DependsOn: []upstat.Dependency{
			{Vendor: "github", Components: []string{"Git Operations/*"}, Impact: upstat.ImpactCritical},
			{Vendor: "stripe", Components: []string{"API"}, Impact: upstat.ImpactCritical},
		}},
		{ID: "status", Name: "Status", DependsOn: []upstat.Dependency{{Vendor: "newrelic", Impact: upstat.ImpactDegraded}}},
	}}
}

func TestServicesEndpoints(t *testing.T) {
	r := fixtureReader()
	s, _ := newTestServer(t, r, func(o *Options) { o.Services = fixtureServices(r) })
	var list struct {
		Services []map[string]any `json:"services"`
	}
	getJSON(t, s.Handler(), "/api/v1/services", http.StatusOK, &list)
	if len(list.Services) != 2 || list.Services[0]["id"] != "checkout" || list.Services[0]["status"] != "partial_outage" ||
		list.Services[1]["status"] != "unknown" || list.Services[1]["tainted"] != true {
		t.Fatalf("services = %v", list.Services)
	}
	var one map[string]any
	getJSON(t, s.Handler(), "/api/v1/services/checkout", http.StatusOK, &one)
	deps := one["dependencies"].([]any)
	first := deps[0].(map[string]any)
	if first["vendor"] != "github" || first["drives"] != true || first["status"] != "partial_outage" || deps[1].(map[string]any)["drives"] != false {
		t.Errorf("dependencies = %v", deps)
	}
	wantUTC(t, "since", one["since"], apitest.Time("2024-05-02T11:59:00Z"))
	if incs := one["incidents"].([]any); len(incs) != 0 {
		t.Errorf("incidents = %v: the active GitHub incident names Actions, not a push component", incs)
	}
	rec := do(s.Handler(), http.MethodGet, "/api/v1/services/nope", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `unknown service \"nope\"`) {
		t.Errorf("unknown service: %d %s", rec.Code, rec.Body)
	}

	rec = do(s.Handler(), http.MethodGet, "/metrics", nil)
	for _, want := range []string{`upstat_service_status{service="checkout"} 3`, `upstat_service_status{service="status"} -1`,
		`upstat_service_tainted{service="status"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestServicesWithoutServiceReader(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	var list struct {
		Services []any `json:"services"`
	}
	getJSON(t, s.Handler(), "/api/v1/services", http.StatusOK, &list)
	if list.Services == nil || len(list.Services) != 0 {
		t.Fatalf("services = %#v, want []", list.Services)
	}
	if rec := do(s.Handler(), http.MethodGet, "/api/v1/services/checkout", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("service without reader: %d", rec.Code)
	}
}
