package aggregate

import (
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestSeveritySourceChangeStored: an incident whose severity turns from a
// guess into the vendor's own (the page's JSON answered) is rewritten
// with its new severity_source, and a change of source alone announces
// nothing (incident.updated reports what the vendor said, not where
// upstat read it).
func TestSeveritySourceChangeStored(t *testing.T) {
	e := newEnv(t, oneVendor("v"))
	inc := upstat.Incident{
		ID: "1", Kind: upstat.KindIncident, Title: "Slow", Severity: upstat.Degraded,
		Status: upstat.StateInvestigating, StartedAt: at(0), UpdatedAt: at(0),
		SeveritySource: upstat.SeverityFromText,
	}
	e.record("v", 0, &upstat.Snapshot{Incidents: []upstat.Incident{inc}}, nil)
	if got := e.incidents(upstat.IncidentFilter{}); len(got) != 1 || got[0].SeveritySource != upstat.SeverityFromText {
		t.Fatalf("first poll: %+v, want one incident marked text", got)
	}
	events := len(e.events(0))
	e.clock.Advance(time.Minute)
	inc.SeveritySource = upstat.SeverityFromVendor
	e.record("v", 0, &upstat.Snapshot{Incidents: []upstat.Incident{inc}}, nil)
	if got := e.incidents(upstat.IncidentFilter{}); len(got) != 1 || got[0].SeveritySource != upstat.SeverityFromVendor {
		t.Errorf("second poll: %+v, want severity_source vendor stored", got)
	}
	if got := e.events(0); len(got) != events {
		t.Errorf("new events for a change of severity_source alone: %q", types(got[events:]))
	}
}
