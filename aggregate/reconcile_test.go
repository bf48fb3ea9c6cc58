package aggregate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestVanishedIncidentReconciled: an incident a source listing every open
// incident stops listing (deleted by the vendor: gone from the summary
// and the history) is closed after ReconcileAfter successful polls in a
// row without it (NotModified ones count) while its history answers,
// resolved at the first poll that missed it, closed_by upstat, with a final update; the vendor's
// status recovers. While the history listing fails it stays open and the
// source says why.
func TestVanishedIncidentReconciled(t *testing.T) {
	e := newEnv(t, oneVendor("acme"))
	ctx := context.Background()
	outage := upstat.Incident{ID: "x1", Title: "API down", Severity: upstat.MajorOutage, Status: upstat.StateInvestigating, StartedAt: at(0)}
	listing := func(historyErr string, incs ...upstat.Incident) *upstat.Snapshot {
		return &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)},
			Indicator: ptr(upstat.Operational), Incidents: incs, ListsAllOpen: true, HistoryErr: historyErr}
	}
	e.record("acme", 0, listing("", outage), nil)
	if v := e.vendor("acme"); v.Status != upstat.MajorOutage {
		t.Fatalf("status %s, want major_outage", v.Status)
	}

	// Gone, but the history listing fails: kept open, said why.
	e.clock.Advance(time.Minute)
	firstMiss := e.clock.Now()
	for range 5 {
		e.record("acme", 0, listing("incidents.json: http 503"), nil)
	}
	v := e.vendor("acme")
	if v.ActiveIncidents != 1 || !strings.Contains(v.Sources[0].LastError, "history listing failed") || v.Stale {
		t.Fatalf("history failing: %d active, source error %q, stale %v; want kept open, the reason, not stale", v.ActiveIncidents, v.Sources[0].LastError, v.Stale)
	}

	// The history answers without it: three polls (one full, two 304).
	e.clock.Advance(time.Minute)
	e.record("acme", 0, listing(""), nil)
	e.clock.Advance(time.Minute)
	e.record("acme", 0, &upstat.Snapshot{NotModified: true}, nil)
	if v := e.vendor("acme"); v.ActiveIncidents != 1 || v.Sources[0].LastError != "" {
		t.Fatalf("after 2 misses: %d active, error %q; want still open, no error", v.ActiveIncidents, v.Sources[0].LastError)
	}
	e.clock.Advance(time.Minute)
	e.record("acme", 0, &upstat.Snapshot{NotModified: true}, nil)
	v = e.vendor("acme")
	if v.ActiveIncidents != 0 || v.Status != upstat.Operational {
		t.Fatalf("after 3 misses: %d active, status %s; want closed, operational", v.ActiveIncidents, v.Status)
	}
	inc, err := e.svc.Incident(ctx, "acme:x1")
	if err != nil {
		t.Fatal(err)
	}
	last := inc.Updates[len(inc.Updates)-1]
	if inc.Status != upstat.StateResolved || inc.ClosedBy != upstat.ClosedByUpstat || inc.ResolvedAt == nil ||
		!inc.ResolvedAt.Equal(firstMiss) || last.Body != "no longer listed by the vendor" {
		t.Errorf("closed incident: status %s closed_by %q resolved_at %v (want %v) last update %q",
			inc.Status, inc.ClosedBy, inc.ResolvedAt, firstMiss, last.Body)
	}
	var resolved int
	for _, ev := range e.events(0) {
		if ev.Type == upstat.EventIncidentResolved && ev.IncidentID == "acme:x1" {
			resolved++
		}
	}
	if resolved != 1 {
		t.Errorf("%d incident.resolved events, want 1", resolved)
	}
}

// TestAbsenceMeansNothingElsewhere: a source that does not list every
// open incident (a feed) never closes one by leaving it out.
func TestAbsenceMeansNothingElsewhere(t *testing.T) {
	e := newEnv(t, oneVendor("acme"))
	e.record("acme", 0, &upstat.Snapshot{Incidents: []upstat.Incident{{ID: "x1", Severity: upstat.Degraded, Status: upstat.StateInvestigating, StartedAt: at(0)}}}, nil)
	for range 5 {
		e.clock.Advance(time.Minute)
		e.record("acme", 0, &upstat.Snapshot{}, nil)
	}
	if v := e.vendor("acme"); v.ActiveIncidents != 1 {
		t.Errorf("%d active, want the incident kept open", v.ActiveIncidents)
	}
}

// TestVanishedWhileDown: an incident stored before a restart and deleted
// by the vendor meanwhile is reconciled too (the vendor's only source
// lists every open incident).
func TestVanishedWhileDown(t *testing.T) {
	e := newEnv(t, oneVendor("acme"))
	open := upstat.Incident{ID: "x1", Severity: upstat.MajorOutage, Status: upstat.StateInvestigating, StartedAt: at(0)}
	e.record("acme", 0, &upstat.Snapshot{Incidents: []upstat.Incident{open}, ListsAllOpen: true}, nil)
	e.reopen()
	for range 3 {
		e.clock.Advance(time.Minute)
		e.record("acme", 0, &upstat.Snapshot{ListsAllOpen: true}, nil)
	}
	if v := e.vendor("acme"); v.ActiveIncidents != 0 {
		t.Errorf("%d active after 3 polls without it since the restart, want 0", v.ActiveIncidents)
	}
}
