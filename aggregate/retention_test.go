package aggregate

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestRetentionPrunes: with an injected clock, closed incidents and events
// older than the retention are deleted (in batches: more than one batch of
// each here), while open incidents, however old, and recent ones stay.
func TestRetentionPrunes(t *testing.T) {
	e := &env{t: t, path: filepath.Join(t.TempDir(), "upstat.db"), clock: &fakeClock{t: t0},
		cfg: []VendorConfig{oneVendor("acme")}, opts: Options{Retention: 30 * 24 * time.Hour, MaxActiveIncidents: 1000}}
	e.open()
	var old []upstat.Incident
	for i := range pruneBatch + 10 {
		old = append(old, upstat.Incident{ID: fmt.Sprintf("old%d", i), Title: "past", Severity: upstat.Degraded,
			Status: upstat.StateResolved, StartedAt: at(-60), UpdatedAt: at(-30), ResolvedAt: ptr(at(-30)),
			Updates: []upstat.Update{{ID: "u", At: at(-30), Status: upstat.StateResolved, Body: "done"}}})
	}
	openOld := upstat.Incident{ID: "open", Title: "still open", Severity: upstat.Degraded, Status: upstat.StateInvestigating, StartedAt: at(-60)}
	e.record("acme", 0, &upstat.Snapshot{Incidents: append(old, openOld)}, nil)
	// Each old incident: incident.opened and incident.resolved; then the
	// open one's incident.opened and vendor.status_changed.
	eventsBefore := 2*len(old) + 2

	e.clock.Advance(29 * 24 * time.Hour)
	recent := upstat.Incident{ID: "recent", Title: "recent", Severity: upstat.Degraded, Status: upstat.StateResolved,
		StartedAt: e.clock.Now(), ResolvedAt: ptr(e.clock.Now())}
	e.record("acme", 0, &upstat.Snapshot{Incidents: []upstat.Incident{recent}}, nil)
	p, err := e.svc.Prune(context.Background())
	if err != nil || p.Incidents != 0 || p.Events != 0 {
		t.Fatalf("prune within the retention: %+v, %v; want nothing", p, err)
	}

	e.clock.Advance(2 * 24 * time.Hour)
	p, err = e.svc.Prune(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Incidents != len(old) || p.Events != eventsBefore {
		t.Errorf("pruned %+v, want %d incidents and %d events", p, len(old), eventsBefore)
	}
	var ids []string
	for _, inc := range e.incidents(upstat.IncidentFilter{Vendor: "acme", Limit: 2000}) {
		ids = append(ids, inc.ID)
	}
	if len(ids) != 2 {
		t.Errorf("left %v, want acme:recent and acme:open", ids)
	}
	if _, err := e.svc.Incident(context.Background(), "acme:old1"); err == nil {
		t.Errorf("acme:old1 still readable after pruning")
	}
	if left := e.events(0); len(left) == 0 || left[0].At.Before(e.clock.Now().Add(-30*24*time.Hour)) {
		t.Errorf("events left %d, oldest %v; want only the recent ones", len(left), left)
	}
}
