package aggregate

import (
	"context"
	"testing"

	"github.com/upstat/upstat"
)

func TestVendorEvents(t *testing.T) {
	e := newEnv(t, oneVendor("a"), oneVendor("b"))
	ctx := context.Background()
	e.record("a", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}}, nil)
	e.record("b", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}}, nil)
	e.clock.Advance(60e9)
	e.record("a", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.MajorOutage)}}, nil)
	if err := e.svc.SetObserved(ctx, "a", upstat.Observed{Status: upstat.ObservedFailing, Since: at(1)}); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.VendorEvents(ctx, "a", at(1), upstat.EventComponentStatusChanged, upstat.EventVendorObservedFailing)
	if err != nil {
		t.Fatal(err)
	}
	if types := types(got); len(types) != 2 || types[0] != "component.status_changed(APIoperational>major_outage)" || types[1] != "vendor.observed_failing" {
		t.Fatalf("events = %v", types)
	}
	all, err := e.svc.VendorEvents(ctx, "a", at(2))
	if err != nil || len(all) != 0 {
		t.Fatalf("since after everything: %v, %v", all, err)
	}
}
