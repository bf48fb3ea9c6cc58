package aggregate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

func serviceEventsOf(events []upstat.Event) []upstat.Event {
	var out []upstat.Event
	for _, e := range events {
		if e.Type == upstat.EventServiceStatusChanged {
			out = append(out, e)
		}
	}
	return out
}

func TestServiceStatusChangedEvents(t *testing.T) {
	e := newEnv(t, oneVendor("stripe"), oneVendor("aws"))
	e.svc.SetServices([]upstat.ServiceConfig{
		{ID: "checkout", Name: "Checkout", DependsOn: []upstat.Dependency{
			{Vendor: "stripe", Components: []string{"API"}, Impact: upstat.ImpactCritical},
			{Vendor: "aws", Impact: upstat.ImpactDegraded},
		}},
	})
	sub, cancel := e.svc.Subscribe()
	defer cancel()
	ok := func(comps ...upstat.Component) *upstat.Snapshot {
		return &upstat.Snapshot{HasComponents: true, Components: comps}
	}
	// First polls: unknown (no data) → unknown while aws is unseen, then
	// operational once both are.
	e.record("stripe", 0, ok(comp("API", upstat.Operational), comp("Dashboard", upstat.Operational)), nil)
	e.record("aws", 0, ok(comp("EC2", upstat.Operational)), nil)
	// The failing component the service depends on turns it.
	e.clock.Advance(time.Minute)
	e.record("stripe", 0, ok(comp("API", upstat.MajorOutage), comp("Dashboard", upstat.Operational)), nil)
	// A component it does not depend on changes nothing.
	e.clock.Advance(time.Minute)
	e.record("stripe", 0, ok(comp("API", upstat.MajorOutage), comp("Dashboard", upstat.MajorOutage)), nil)
	// aws (degraded impact) failing is capped below what stripe does.
	e.record("aws", 0, ok(comp("EC2", upstat.MajorOutage)), nil)
	// stripe goes blind past the staleness window: unseen, though aws
	// is seen; critical dependency → unknown.
	e.record("stripe", 0, nil, errors.New("http 503"))
	e.clock.Advance(DefaultStaleAfter + time.Minute)
	if err := e.svc.CheckStale(context.Background()); err != nil {
		t.Fatal(err)
	}

	got := serviceEventsOf(e.events(0))
	want := []struct {
		vendor   string
		from, to upstat.Severity
	}{
		{"aws", upstat.Unknown, upstat.Operational},
		{"stripe", upstat.Operational, upstat.MajorOutage},
		{"stripe", upstat.MajorOutage, upstat.Unknown},
	}
	if len(got) != len(want) {
		t.Fatalf("service events %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Service != "checkout" || g.Vendor != w.vendor || g.From != w.from || g.To != w.to || g.ID == "" {
			t.Errorf("event %d: %+v, want checkout %s %s→%s", i, g, w.vendor, w.from, w.to)
		}
	}
	if live := serviceEventsOf(drain(sub)); len(live) != len(want) || live[1].Service != "checkout" {
		t.Errorf("live events %+v, want the same %d", live, len(want))
	}
	s, err := e.svc.Service(context.Background(), "checkout")
	if err != nil || s.Status != upstat.Unknown || !s.Tainted {
		t.Fatalf("service %+v (%v), want unknown and tainted", s, err)
	}
	if _, err := e.svc.Service(context.Background(), "nope"); !errors.Is(err, upstat.ErrNotFound) {
		t.Fatalf("unknown service: %v, want ErrNotFound", err)
	}
	list, err := e.svc.Services(context.Background())
	if err != nil || len(list) != 1 || list[0].Status != upstat.Unknown {
		t.Fatalf("services %+v (%v)", list, err)
	}
}
