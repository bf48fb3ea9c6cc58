package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// The poll times two replicas write in their touch batches are listed to
// a follower in the order committed, each vendor with its sources; from
// the cursor returned, only what was touched since.
func TestTouchesSince(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	a, b := open(t, dsn), open(t, dsn)
	var vendors []upstat.VendorState
	for _, id := range []string{"v1", "v2", "v3"} {
		vendors = append(vendors, upstat.VendorState{VendorRecord: upstat.VendorRecord{ID: id, Name: id},
			Sources: []upstat.SourceRecord{{Idx: 0, Kind: "statuspage", URL: "https://" + id}, {Idx: 1, Kind: "rss", URL: "https://" + id + "/feed"}}})
	}
	if err := a.Configure(ctx, vendors); err != nil {
		t.Fatal(err)
	}
	list, cursor, err := a.TouchesSince(ctx, 0)
	if err != nil || len(list) != 0 {
		t.Fatalf("before any touch: %+v, %v", list, err)
	}
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	touch := func(db *DB, id string, at time.Time, sourceIdx int) {
		t.Helper()
		at = at.Add(time.Duration(sourceIdx) * time.Millisecond)
		ch := &upstat.VendorChange{VendorID: id, Vendor: &upstat.VendorRecord{ID: id, LastCheckedAt: &at, LastSuccessAt: &at},
			Sources: []upstat.SourceRecord{{Idx: sourceIdx, LastCheckedAt: &at, LastSuccessAt: &at}}}
		if err := db.Touch(ch); err != nil {
			t.Fatal(err)
		}
		if err := db.FlushTouches(ctx); err != nil {
			t.Fatal(err)
		}
	}
	touch(a, "v2", t0, 1)
	touch(b, "v1", t0.Add(time.Second), 0)
	list, cursor, err = a.TouchesSince(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].VendorID != "v2" || list[1].VendorID != "v1" {
		t.Fatalf("touched: %+v, want v2 then v1", list)
	}
	v2 := list[0]
	if !v2.Vendor.LastCheckedAt.Equal(t0.Add(time.Millisecond)) || len(v2.Sources) != 2 || v2.Sources[0].LastCheckedAt != nil ||
		v2.Sources[1].Idx != 1 || !v2.Sources[1].LastSuccessAt.Equal(t0.Add(time.Millisecond)) {
		t.Fatalf("v2's poll times: %+v, sources %+v", v2.Vendor, v2.Sources)
	}
	if list, next, err := a.TouchesSince(ctx, cursor); err != nil || len(list) != 0 || next != cursor {
		t.Fatalf("nothing touched since: %+v, cursor %d → %d, %v", list, cursor, next, err)
	}
	touch(b, "v2", t0.Add(2*time.Second), 0)
	list, _, err = a.TouchesSince(ctx, cursor)
	if err != nil || len(list) != 1 || list[0].VendorID != "v2" || !list[0].Sources[0].LastCheckedAt.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("touched again: %+v, %v", list, err)
	}
}
