package aggregate

import (
	"errors"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestFirstPollIsBackfill: the incident events of a source's first
// successful poll carry backfill (stored, so after a restart too); an
// incident resolved when first seen leaves the vendor's status alone;
// later polls' events are live.
func TestFirstPollIsBackfill(t *testing.T) {
	e := newEnv(t, oneVendor("acme"))
	past := upstat.Incident{ID: "past", Title: "Old outage", Severity: upstat.MajorOutage, Status: upstat.StateResolved,
		StartedAt: at(-600), ResolvedAt: ptr(at(-500))}
	e.record("acme", 0, nil, errors.New("http 503")) // a failure first: still no success
	e.record("acme", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)},
		Indicator: ptr(upstat.Operational), Incidents: []upstat.Incident{past}}, nil)
	firstRead := e.clock.Now()
	if v := e.vendor("acme"); v.Status != upstat.Operational {
		t.Errorf("status %s after importing a resolved outage, want operational", v.Status)
	}
	e.clock.Advance(time.Minute)
	live := upstat.Incident{ID: "live", Title: "Slow", Severity: upstat.Degraded, Status: upstat.StateInvestigating, StartedAt: at(1)}
	e.record("acme", 0, &upstat.Snapshot{Incidents: []upstat.Incident{past, live}}, nil)
	e.reopen()
	if v := e.vendor("acme"); v.FirstSuccessAt == nil || !v.FirstSuccessAt.Equal(firstRead) {
		t.Errorf("first_success_at %v, want the first successful poll's %v", v.FirstSuccessAt, firstRead)
	}
	got := map[string]bool{}
	for _, ev := range e.events(0) {
		if ev.IncidentID != "" {
			got[string(ev.Type)+" "+ev.IncidentID] = ev.Backfill
		} else if ev.Backfill {
			t.Errorf("%s marked backfill: only incident events are", ev.Type)
		}
	}
	want := map[string]bool{
		"incident.opened acme:past": true, "incident.resolved acme:past": true,
		"incident.opened acme:live": false,
	}
	for k, w := range want {
		if b, ok := got[k]; !ok || b != w {
			t.Errorf("%s: present %v, backfill %v; want backfill %v", k, ok, b, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("incident events %v, want %v", got, want)
	}
}
