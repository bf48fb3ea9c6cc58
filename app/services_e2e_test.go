package app

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/upstat/upstat/fixtures"
)

// serviceJSON is what the test reads of /api/v1/services/{id}.
type serviceJSON struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Tainted      bool   `json:"tainted"`
	Dependencies []struct {
		Vendor  string   `json:"vendor"`
		Status  string   `json:"status"`
		Drives  bool     `json:"drives"`
		Matched []string `json:"matched"`
	} `json:"dependencies"`
}

// A vendor component fails: the service that depends on it turns, and the
// API, the event log, the metric and the alert say the same.
func TestEndToEndServiceTurnsWithItsDependency(t *testing.T) {
	h, recv := hookedHarness(t, `
vendors:
  - id: acme
    sources: [{kind: statuspage, url: %q}]
  - id: other
    sources: [{kind: statuspage, url: %q}]
services:
  - id: checkout
    name: Checkout
    depends_on:
      - acme: [API]
      - other:
        impact: degraded
alerts:
  rules:
    - name: checkout-affected
      services: [checkout]
      min_severity: partial_outage
      notify: [hook]
  notifiers:
    - id: hook
      kind: webhook
      url: %q
`, func(h *harness, hook string) []any { return []any{h.sim.URL("acme"), h.sim.URL("other"), hook} })
	h.start()
	service := func() serviceJSON {
		var s serviceJSON
		h.get("/api/v1/services/checkout", &s)
		return s
	}
	h.waitFor("checkout operational", func() bool { return service().Status == "operational" })

	must(t, h.sim.SetComponent("acme", "vm", fixtures.Major)) // not a dependency
	must(t, h.sim.SetComponent("acme", "api", fixtures.Major))
	h.waitFor("checkout major_outage", func() bool { return service().Status == "major_outage" })
	s := service()
	if len(s.Dependencies) != 2 || !s.Dependencies[0].Drives || s.Dependencies[0].Vendor != "acme" ||
		len(s.Dependencies[0].Matched) != 1 || s.Dependencies[0].Matched[0] != "API" || s.Dependencies[1].Drives || s.Tainted {
		t.Errorf("checkout = %+v, want acme's API driving it", s)
	}

	h.waitFor("firing webhook", func() bool { return recv.count("firing") == 1 })
	fired := recv.first("firing")
	if fired.Alert.Rule != "checkout-affected" || fired.Alert.Vendor != "acme" || fired.Alert.Component != "API" || fired.Alert.Severity != "major_outage" {
		t.Errorf("firing payload = %+v", fired)
	}
	var alerts struct {
		Alerts []struct {
			Rule   string            `json:"rule"`
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	h.get("/api/v1/alerts", &alerts)
	if len(alerts.Alerts) != 1 || alerts.Alerts[0].Labels["services"] != "checkout" {
		t.Errorf("/api/v1/alerts = %+v, want one alert labelled services=checkout", alerts)
	}

	var page struct {
		Events []struct {
			Type    string `json:"type"`
			Vendor  string `json:"vendor"`
			Service string `json:"service"`
			From    string `json:"from"`
			To      string `json:"to"`
		} `json:"events"`
	}
	h.get("/api/v1/events?limit=1000", &page)
	var changes []string
	for _, e := range page.Events {
		if e.Type == "service.status_changed" {
			changes = append(changes, fmt.Sprintf("%s %s %s>%s", e.Service, e.Vendor, e.From, e.To))
		}
	}
	if n := len(changes); n == 0 || changes[n-1] != "checkout acme operational>major_outage" {
		t.Errorf("service events %q, want the last to be checkout acme operational>major_outage", changes)
	}

	resp, err := http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `upstat_service_status{service="checkout"} 4`) {
		t.Errorf("metrics lack upstat_service_status{service=\"checkout\"} 4")
	}
	h.stop()
}
