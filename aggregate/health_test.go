package aggregate

import (
	"context"
	"errors"
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
