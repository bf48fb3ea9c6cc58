package reliability

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// history is a vendor's month: an endpoint failing 60 s before the page
// posts; a component degraded 10 min before an incident; an incident the
// vendor posted before anything was seen; a probe failure never posted;
// a maintenance and a backfilled incident, which do not count.
func history() *apitest.Reader {
	r := apitest.NewReader()
	r.SetVendors(upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "acme", Name: "Acme"}})
	inc := func(id string, kind upstat.Kind, started time.Time) {
		r.AddIncident(upstat.Incident{ID: id, Vendor: "acme", Kind: kind, StartedAt: started, Status: upstat.StateResolved})
	}
	ev := func(typ upstat.EventType, when time.Time, mod func(*upstat.Event)) {
		e := upstat.Event{At: when, Type: typ, Vendor: "acme"}
		if mod != nil {
			mod(&e)
		}
		r.AddEvent(e)
	}
	opened := func(id string) func(*upstat.Event) { return func(e *upstat.Event) { e.IncidentID = id } }
	comp := func(to upstat.Severity) func(*upstat.Event) {
		return func(e *upstat.Event) { e.Component, e.To = "API", to }
	}
	// 1: probes fail at T, the page posts at T+60 s (its start as posted).
	ev(upstat.EventVendorObservedFailing, at(0), nil)
	inc("acme:1", upstat.KindIncident, at(60))
	ev(upstat.EventIncidentOpened, at(75), opened("acme:1"))
	ev(upstat.EventVendorObservedOK, at(900), nil)
	// 2: a component degrades 10 min before the incident is posted.
	ev(upstat.EventComponentStatusChanged, at(3600), comp(upstat.Degraded))
	inc("acme:2", upstat.KindIncident, at(4200))
	ev(upstat.EventIncidentOpened, at(4210), opened("acme:2"))
	ev(upstat.EventComponentStatusChanged, at(5000), comp(upstat.Operational))
	// 3: the vendor first.
	inc("acme:3", upstat.KindIncident, at(7200))
	ev(upstat.EventIncidentOpened, at(7210), opened("acme:3"))
	// A failure never posted.
	ev(upstat.EventVendorObservedFailing, at(9000), nil)
	ev(upstat.EventVendorObservedOK, at(9600), nil)
	// Neither counts: a maintenance, a backfilled incident; another vendor.
	inc("acme:m", upstat.KindMaintenance, at(10000))
	ev(upstat.EventIncidentOpened, at(10000), opened("acme:m"))
	inc("acme:old", upstat.KindIncident, at(100))
	ev(upstat.EventIncidentOpened, at(11000), func(e *upstat.Event) { e.IncidentID, e.Backfill = "acme:old", true })
	r.AddEvent(upstat.Event{At: at(12000), Type: upstat.EventVendorObservedFailing, Vendor: "other"})
	return r
}

func TestCompute(t *testing.T) {
	rep, err := Compute(context.Background(), history(), "acme", t0.Add(24*time.Hour), DefaultWindow)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id       string
		detected bool
		lag      float64
	}{{"acme:1", true, 60}, {"acme:2", true, 600}, {"acme:3", false, 0}}
	if len(rep.Incidents) != len(want) {
		t.Fatalf("incidents = %+v, want %d", rep.Incidents, len(want))
	}
	for i, w := range want {
		got := rep.Incidents[i]
		if got.IncidentID != w.id || (got.DetectedAt != nil) != w.detected || got.LagSeconds != w.lag {
			t.Errorf("incident %d = %+v, want %+v", i, got, w)
		}
	}
	if rep.Unacknowledged != 1 || *rep.MedianLagSeconds != 60 || *rep.P90LagSeconds != 600 {
		t.Fatalf("unacknowledged %d, median %v, p90 %v; want 1, 60, 600", rep.Unacknowledged, *rep.MedianLagSeconds, *rep.P90LagSeconds)
	}
	// p90 10 min (B), 1 unacknowledged of 4 (25 %: C): the worse, C.
	if rep.Grade != "C" {
		t.Fatalf("grade %q, want C", rep.Grade)
	}
	// A window that starts after everything: no data, no grade.
	rep, err = Compute(context.Background(), history(), "acme", t0.Add(200*24*time.Hour), DefaultWindow)
	if err != nil || len(rep.Incidents) != 0 || rep.Grade != "" || rep.MedianLagSeconds != nil {
		t.Fatalf("empty window: %+v, %v", rep, err)
	}
}

func TestGradeFor(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		p90        *float64
		inc, unack int
		want       string
	}{
		{nil, 0, 0, ""},
		{f(60), 10, 0, "A"},
		{f(600), 10, 1, "B"},
		{f(1700), 10, 0, "C"},
		{f(3000), 1, 1, "D"},
		{f(7200), 5, 0, "F"},
		{f(0), 1, 3, "F"},
		{nil, 0, 2, "F"},
	} {
		if got := GradeFor(c.p90, c.inc, c.unack); got != c.want {
			t.Errorf("GradeFor(%v, %d, %d) = %q, want %q", c.p90, c.inc, c.unack, got, c.want)
		}
	}
}

// indexed is history with a per-vendor event index, as the aggregator has.
type indexed struct {
	*apitest.Reader
	calls int
}

func (x *indexed) VendorEvents(ctx context.Context, vendor string, since time.Time, types ...upstat.EventType) ([]upstat.Event, error) {
	x.calls++
	all, err := x.Events(ctx, 0, 1000)
	var out []upstat.Event
	for _, e := range all {
		if e.Vendor == vendor && !e.At.Before(since) && slices.Contains(types, e.Type) {
			out = append(out, e)
		}
	}
	return out, err
}

// TestComputeIndexed: through the index, the same report.
func TestComputeIndexed(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	want, err := Compute(context.Background(), history(), "acme", now, DefaultWindow)
	if err != nil {
		t.Fatal(err)
	}
	x := &indexed{Reader: history()}
	got, err := Compute(context.Background(), x, "acme", now, DefaultWindow)
	if err != nil || x.calls != 1 || !reflect.DeepEqual(got, want) {
		t.Fatalf("indexed = %+v (%v, %d calls), want %+v", got, err, x.calls, want)
	}
}
