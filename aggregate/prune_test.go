package aggregate

import (
	"reflect"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestClosedIncidentsLeaveMemory: a closed incident is dropped from the
// in-memory state, and when a snapshot lists it again (still there, gone
// and back, after a restart, or edited) it is recognised from the
// database: never a second incident.opened, no write when unchanged.
func TestClosedIncidentsLeaveMemory(t *testing.T) {
	resolved := upstat.Incident{
		ID: "old", Title: "Past outage", Severity: upstat.MajorOutage, Status: upstat.StateResolved,
		StartedAt: at(-60), UpdatedAt: at(-30),
		Updates: []upstat.Update{{ID: "1", At: at(-30), Status: upstat.StateResolved, Body: "done"}},
	}
	edited := resolved
	edited.Updates = append([]upstat.Update{{ID: "2", At: at(-20), Status: upstat.StateResolved, Body: "postmortem"}}, resolved.Updates...)
	open := upstat.Incident{ID: "new", Title: "Slow", Severity: upstat.Degraded, Status: upstat.StateInvestigating, StartedAt: at(0)}
	snap := func(incs ...upstat.Incident) *upstat.Snapshot { return &upstat.Snapshot{Incidents: incs} }

	e := newEnv(t, oneVendor("v"))
	e.record("v", 0, snap(resolved, open), nil)
	for _, step := range []struct {
		name    string
		snap    *upstat.Snapshot
		restart bool
		events  []string // new events
		writes  bool     // incident rows written
	}{
		{"listed again", snap(resolved, open), false, nil, false},
		{"gone", snap(open), false, nil, false},
		{"back", snap(resolved, open), false, nil, false},
		{"after restart", snap(resolved, open), true, nil, false},
		{"edited", snap(edited, open), false, []string{"incident.updated"}, true},
		{"edited again, listed twice", snap(edited, edited, open), false, nil, false},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.restart {
				e.reopen()
			}
			if st, err := e.svc.state("v"); err != nil {
				t.Fatal(err)
			} else if _, kept := st.incs["v:old"]; kept || len(st.incs) != 1 {
				t.Errorf("in memory: %d incidents, closed one kept: %v", len(st.incs), kept)
			}
			before := len(e.events(0))
			e.clock.Advance(time.Minute)
			rows := e.db.RowsWritten()
			e.record("v", 0, step.snap, nil)
			if got := types(e.events(0)[before:]); !reflect.DeepEqual(got, step.events) {
				t.Errorf("events = %q, want %q", got, step.events)
			}
			if wrote := e.db.RowsWritten() > rows; wrote != step.writes {
				t.Errorf("wrote rows = %v, want %v", wrote, step.writes)
			}
			var opened int
			for _, ev := range e.events(0) {
				if ev.Type == upstat.EventIncidentOpened && ev.IncidentID == "v:old" {
					opened++
				}
			}
			if opened != 1 {
				t.Errorf("incident.opened for v:old %d times, want 1", opened)
			}
		})
	}
}
