package web

import (
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestObservedBesideStatus: the probes' signal is shown beside the
// vendor's reported status on the overview and the vendor page, the probe
// names escaped; a vendor without probes shows none.
func TestObservedBesideStatus(t *testing.T) {
	f := demoStore(demoNow)
	f.mu.Lock()
	for i := range f.vendors {
		if f.vendors[i].ID == "github" {
			f.vendors[i].Observed = &upstat.Observed{Status: upstat.ObservedFailing, Since: demoNow.Add(-3 * time.Minute),
				Failing: []string{"api", "<b>git</b>"}}
		}
	}
	f.mu.Unlock()
	h := newTestDashboard(t, f, nil).Handler()
	for _, target := range []string{"/", "/vendors/github"} {
		_, body := get(t, h, target)
		if !strings.Contains(body, `class="observed observed-failing"`) || !strings.Contains(body, "Probes: failing (api, &lt;b&gt;git&lt;/b&gt;)") {
			t.Errorf("%s: no failing probes beside the status", target)
		}
		if !strings.Contains(body, "Partial outage") && !strings.Contains(body, "partial") {
			t.Errorf("%s: the reported status is gone", target)
		}
	}
	if _, body := get(t, h, "/vendors/stripe"); strings.Contains(body, `class="observed`) {
		t.Error("a vendor without probes shows a probes signal")
	}
}

// TestReliabilitySection: the vendor page shows the acknowledgement
// grade and lags from the event log, or says there is nothing to grade.
func TestReliabilitySection(t *testing.T) {
	f := demoStore(demoNow)
	h := newTestDashboard(t, f, nil).Handler()
	if _, body := get(t, h, "/vendors/stripe"); !strings.Contains(body, "No incident posted and no failure observed in the last 90 days.") {
		t.Error("a quiet vendor's page lacks the no-data line")
	}
	f.mu.Lock()
	failed := demoNow.Add(-2 * time.Hour)
	f.incidents["stripe:late"] = &upstat.Incident{ID: "stripe:late", Vendor: "stripe", Kind: upstat.KindIncident,
		Title: "Late", Status: upstat.StateResolved, StartedAt: failed.Add(20 * time.Minute)}
	for _, e := range []upstat.Event{
		{At: failed, Type: upstat.EventVendorObservedFailing, Vendor: "stripe"},
		{At: failed.Add(21 * time.Minute), Type: upstat.EventIncidentOpened, Vendor: "stripe", IncidentID: "stripe:late"},
	} {
		f.publishLocked(e)
	}
	f.mu.Unlock()
	_, body := get(t, h, "/vendors/stripe")
	if !strings.Contains(body, "Grade C") || !strings.Contains(body, "median lag 20m") {
		t.Errorf("no grade C (p90 20 min) and 20m lag on the vendor page:\n%s", between(body, `id="h-reliability"`, "</section>"))
	}
}

// between returns the part of s from after start to end.
func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	part, _, _ := strings.Cut(after, end)
	return part
}
