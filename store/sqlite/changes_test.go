package sqlite

import (
	"context"
	"testing"

	"github.com/upstat/upstat"
)

// TestStatusChanges: the status changes of one vendor since a time, in
// order, other vendors' and other event types left out.
func TestStatusChanges(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if err := db.Configure(ctx, []VendorState{
		{Vendor: Vendor{ID: "a"}, Sources: []Source{{Kind: "statuspage", URL: "https://a"}}},
		{Vendor: Vendor{ID: "b"}, Sources: []Source{{Kind: "statuspage", URL: "https://b"}}},
	}); err != nil {
		t.Fatal(err)
	}
	ev := func(vendor string, min int, typ upstat.EventType) upstat.Event {
		return upstat.Event{At: ts(min), Type: typ, Vendor: vendor, From: upstat.Operational, To: upstat.MajorOutage}
	}
	for _, ch := range []*Change{
		{VendorID: "a", Events: []upstat.Event{ev("a", 0, upstat.EventVendorStatusChanged), ev("a", 5, upstat.EventComponentStatusChanged), ev("a", 6, upstat.EventIncidentOpened)}},
		{VendorID: "b", Events: []upstat.Event{ev("b", 7, upstat.EventVendorStatusChanged)}},
		{VendorID: "a", Events: []upstat.Event{ev("a", 9, upstat.EventVendorStatusChanged)}},
	} {
		if err := db.Apply(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.StatusChanges(ctx, "a", ts(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].At.Equal(ts(5)) || got[0].Type != upstat.EventComponentStatusChanged || !got[1].At.Equal(ts(9)) {
		t.Errorf("status changes %+v, want a's component change at :05 and vendor change at :09", got)
	}
}
