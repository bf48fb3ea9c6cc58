package alert

import (
	"testing"

	"github.com/upstat/upstat"
)

// TestSeveritySourceSelection: a vendor rule with severity_source counts
// only the incidents whose severity came from there (and, for vendor, the
// components, which are the vendor's own statuses).
func TestSeveritySourceSelection(t *testing.T) {
	guessed := func(v upstat.Vendor, sev upstat.Severity) upstat.Vendor {
		v = withIncident(v, upstat.KindIncident, sev)
		v.Incidents[len(v.Incidents)-1].SeveritySource = upstat.SeverityFromText
		return v
	}
	stated := func(v upstat.Vendor, sev upstat.Severity) upstat.Vendor {
		v = withIncident(v, upstat.KindIncident, sev)
		v.Incidents[len(v.Incidents)-1].ID = "stripe:stated"
		v.Incidents[len(v.Incidents)-1].SeveritySource = upstat.SeverityFromVendor
		return v
	}
	onlyGuess := guessed(vendor(upstat.MajorOutage, comp("API", upstat.Operational)), upstat.MajorOutage)
	componentDown := guessed(vendor(upstat.PartialOutage, comp("API", upstat.PartialOutage)), upstat.Degraded)
	both := stated(guessed(vendor(upstat.MajorOutage), upstat.MajorOutage), upstat.Degraded)
	blind := guessed(vendor(upstat.Unknown), upstat.MajorOutage)
	cases := []struct {
		name   string
		source string
		v      upstat.Vendor
		want   upstat.Severity
		known  bool
	}{
		{"any: the vendor's status", "", onlyGuess, upstat.MajorOutage, true},
		{"any spelled out", "any", onlyGuess, upstat.MajorOutage, true},
		{"vendor: a guessed outage does not count", "vendor", onlyGuess, upstat.Operational, true},
		{"vendor: components count", "vendor", componentDown, upstat.PartialOutage, true},
		{"vendor: only the stated incident", "vendor", both, upstat.Degraded, true},
		{"text: only the guess, no components", "text", componentDown, upstat.Degraded, true},
		{"text: the worst guess", "text", both, upstat.MajorOutage, true},
		{"unknown stays unknown", "vendor", blind, upstat.Unknown, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := RuleConfig{Name: "r", SeveritySource: tc.source}
			obs := observe(&r, &tc.v)
			if len(obs) != 1 {
				t.Fatalf("%d observations, want 1", len(obs))
			}
			if o := obs[0]; o.severity != tc.want || o.known != tc.known || o.active != (tc.known && tc.want >= upstat.Degraded) {
				t.Errorf("observed %v (known %v, active %v), want %v (known %v)", o.severity, o.known, o.active, tc.want, tc.known)
			}
		})
	}
}

// TestSeveritySourceRuleFires: through the engine, a severity_source:
// vendor rule stays quiet on a guessed outage and fires once the vendor
// states one.
func TestSeveritySourceRuleFires(t *testing.T) {
	h := newHarness(t, NewMemStore(), RuleConfig{Name: "vendor-said", Vendors: []string{"stripe"}, SeveritySource: "vendor"})
	v := withIncident(vendor(upstat.MajorOutage), upstat.KindIncident, upstat.MajorOutage)
	v.Incidents[0].SeveritySource = upstat.SeverityFromText
	if got := h.evaluate(0, v); len(got) != 0 {
		t.Fatalf("guessed outage sent %q, want nothing", got)
	}
	v.Incidents[0].SeveritySource = upstat.SeverityFromVendor
	if got := h.evaluate(1, v); len(got) != 1 || got[0] != "firing" {
		t.Fatalf("stated outage sent %q, want [firing]", got)
	}
}
