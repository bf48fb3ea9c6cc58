package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// A replica that does not poll a vendor may write it (its stale check)
// with the poll times it last read: the owner's later ones stay.
func TestApplyNeverMovesPollTimesBack(t *testing.T) {
	ctx := context.Background()
	db := open(t, pgtest.Schema(t))
	st := upstat.VendorState{VendorRecord: upstat.VendorRecord{ID: "acme", Name: "Acme"}, Sources: []upstat.SourceRecord{{Kind: "statuspage", URL: "https://status.acme.example"}}}
	if err := db.Configure(ctx, []upstat.VendorState{st}); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2026, 12, 2, 10, 0, 40, 0, time.UTC)
	earlier := later.Add(-10 * time.Second)
	write := func(at time.Time, version int64) {
		t.Helper()
		src := upstat.SourceRecord{Idx: 0, Kind: "statuspage", URL: st.Sources[0].URL, LastCheckedAt: &at, LastSuccessAt: &at}
		ch := &upstat.VendorChange{VendorID: "acme", Base: &version,
			Vendor:  &upstat.VendorRecord{ID: "acme", Name: "Acme", LastCheckedAt: &at, LastSuccessAt: &at},
			Sources: []upstat.SourceRecord{src}}
		if err := db.Apply(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	write(later, 0)
	got, err := db.LoadVendor(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	write(earlier, got.Version)
	got, err = db.LoadVendor(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for what, at := range map[string]*time.Time{
		"vendor last_checked_at": got.LastCheckedAt, "vendor last_success_at": got.LastSuccessAt,
		"source last_checked_at": got.Sources[0].LastCheckedAt, "source last_success_at": got.Sources[0].LastSuccessAt,
	} {
		if at == nil || !at.Equal(later) {
			t.Errorf("%s = %v, want %v (never moved back)", what, at, later)
		}
	}
}
