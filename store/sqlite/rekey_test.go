package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/upstat/upstat"
)

// TestRekeyIncidents: incidents stored under an id unusable in a URL path
// (as before upstat.IncidentID: "inkwell:http://…") are re-keyed at Open,
// with their updates and events, the source's id kept as source_ref.
func TestRekeyIncidents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "upstat.db")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Configure(ctx, []VendorState{{Vendor: Vendor{ID: "inkwell"}, Sources: []Source{{Kind: "feed", URL: "https://a"}}}}); err != nil {
		t.Fatal(err)
	}
	const oldID, link = "inkwell:http://127.0.0.1/incidents/42", "http://127.0.0.1/incidents/42"
	inc := Incident{Incident: upstat.Incident{ID: oldID, Vendor: "inkwell", Kind: upstat.KindIncident, Title: "Down",
		Severity: upstat.MajorOutage, Status: upstat.StateResolved, StartedAt: ts(0), ResolvedAt: tp(5),
		Updates: []upstat.Update{{ID: "u1", At: ts(5), Status: upstat.StateResolved, Body: "fixed"}}}}
	safe := Incident{Incident: upstat.Incident{ID: "inkwell:abc", Vendor: "inkwell", Kind: upstat.KindIncident, Title: "Slow",
		Severity: upstat.Degraded, Status: upstat.StateResolved, StartedAt: ts(1)}}
	if err := db.Apply(ctx, &Change{VendorID: "inkwell", Incidents: []Incident{inc, safe},
		Events: []upstat.Event{{At: ts(0), Type: upstat.EventIncidentOpened, Vendor: "inkwell", IncidentID: oldID}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	newID, _ := upstat.IncidentID("inkwell", link)
	got, err := db.Incident(ctx, newID)
	if err != nil {
		t.Fatalf("incident under its new id %s: %v", newID, err)
	}
	if got.SourceRef != link || len(got.Updates) != 1 || got.Title != "Down" {
		t.Errorf("re-keyed incident: source_ref %q, %d updates, title %q", got.SourceRef, len(got.Updates), got.Title)
	}
	if _, err := db.Incident(ctx, "inkwell:abc"); err != nil {
		t.Errorf("path-safe incident moved: %v", err)
	}
	evs, err := db.Events(ctx, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].IncidentID != newID {
		t.Errorf("events %+v, %v; want the one event pointing at %s", evs, err, newID)
	}
}
