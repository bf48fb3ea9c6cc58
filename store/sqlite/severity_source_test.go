package sqlite

import (
	"context"
	"testing"

	"github.com/upstat/upstat"
)

// TestSeveritySourceStored: an incident's severity_source is written,
// read back by LoadVendor and Incident, and rewritten when it changes.
func TestSeveritySourceStored(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if err := db.Configure(ctx, []VendorState{{VendorRecord: Vendor{ID: "v"}, Sources: []Source{{Kind: "atom", URL: "u"}}}}); err != nil {
		t.Fatal(err)
	}
	inc := Incident{Incident: upstat.Incident{
		ID: "v:1", Vendor: "v", Kind: upstat.KindIncident, Title: "Slow", Severity: upstat.Degraded,
		Status: upstat.StateInvestigating, Components: []string{}, StartedAt: ts(0), UpdatedAt: ts(1),
		SeveritySource: upstat.SeverityFromText,
	}, Hash: "h1"}
	if err := db.Apply(ctx, &Change{VendorID: "v", Incidents: []Incident{inc}}); err != nil {
		t.Fatal(err)
	}
	st, err := db.LoadVendor(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Incidents) != 1 || st.Incidents[0].SeveritySource != upstat.SeverityFromText {
		t.Fatalf("loaded incidents = %+v, want severity_source text", st.Incidents)
	}
	inc.SeveritySource, inc.Severity, inc.Hash = upstat.SeverityFromVendor, upstat.MajorOutage, "h2"
	if err := db.Apply(ctx, &Change{VendorID: "v", Incidents: []Incident{inc}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Incident(ctx, "v:1")
	if err != nil {
		t.Fatal(err)
	}
	if got.SeveritySource != upstat.SeverityFromVendor {
		t.Errorf("after rewrite: severity_source %q, want vendor", got.SeveritySource)
	}
}
