package aggregate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

func TestHealthChanges(t *testing.T) {
	e := newEnv(t, oneVendor("acme"), oneVendor("other"))
	ok := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}}
	e.record("acme", 0, ok, nil)
	e.record("other", 0, ok, nil)
	e.clock.Advance(time.Minute)
	e.record("acme", 0, nil, errors.New("http 503"))
	e.record("other", 0, nil, errors.New("http 503"))
	e.clock.Advance(DefaultStaleAfter + time.Minute)
	if err := e.svc.CheckStale(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	e.record("acme", 0, ok, nil)
	got, err := e.svc.HealthChanges(context.Background(), "acme", t0)
	if err != nil || len(got) != 2 || got[0].Type != upstat.EventVendorStale || got[1].Type != upstat.EventVendorRecovered {
		t.Fatalf("health changes %+v (%v), want stale then recovered", got, err)
	}
	if later, _ := e.svc.HealthChanges(context.Background(), "acme", got[1].At.Add(time.Second)); len(later) != 0 {
		t.Errorf("since after the recovery: %+v, want none", later)
	}
}

// CheckStale runs every few seconds over every vendor: the healthy ones
// cost it a look, not a new state each.
func TestCheckStaleSkipsHealthyVendors(t *testing.T) {
	var cfg []VendorConfig
	for i := range 200 {
		cfg = append(cfg, oneVendor(fmt.Sprintf("v%d", i)))
	}
	cfg = append(cfg, oneVendor("failing"))
	e := newEnv(t, cfg...)
	ok := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}}
	for _, v := range cfg {
		e.record(v.ID, 0, ok, nil)
	}
	e.clock.Advance(time.Minute)
	e.record("failing", 0, nil, errors.New("http 503"))
	e.clock.Advance(DefaultStaleAfter + time.Minute)
	ctx := context.Background()
	if err := e.svc.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.svc.Vendor(ctx, "failing"); !v.Stale {
		t.Fatalf("the failing vendor is not stale after CheckStale")
	}
	if v, _ := e.svc.Vendor(ctx, "v7"); v.Stale {
		t.Fatalf("a healthy vendor is stale")
	}
	allocs := testing.AllocsPerRun(20, func() {
		if err := e.svc.CheckStale(ctx); err != nil {
			t.Fatal(err)
		}
	})
	// One failing vendor looked at in full; 200 healthy ones skipped.
	if allocs > 100 {
		t.Errorf("CheckStale over 200 healthy vendors and 1 failing: %.0f allocations, want <= 100", allocs)
	}
}
