package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// historyStore adds the observed history (status changes and health
// changes) to the fake store, as the aggregator keeps it.
type historyStore struct {
	*fakeStore
	changes, health []upstat.Event
}

func (h historyStore) StatusChanges(_ context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return eventsOf(h.changes, vendor, since), nil
}

func (h historyStore) HealthChanges(_ context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return eventsOf(h.health, vendor, since), nil
}

func eventsOf(all []upstat.Event, vendor string, since time.Time) []upstat.Event {
	var out []upstat.Event
	for _, e := range all {
		if e.Vendor == vendor && !e.At.Before(since) {
			out = append(out, e)
		}
	}
	return out
}

// reportFixture: acme, first read 20 days ago; a reported partial outage,
// a major outage on its API, a maintenance; an outage only upstat saw;
// a stale stretch of six hours (a gap) during a reported outage.
func reportFixture() (historyStore, *Dashboard) {
	f := newFakeStore()
	first := at(-20, 9, 30)
	v := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "acme", Name: "Acme", Status: upstat.Operational,
		FirstSuccessAt: &first, LastSuccessAt: ptr(testNow)},
		Components: []upstat.Component{{Name: "API", Status: upstat.Operational}, {Name: "Web", Group: "Sites", Status: upstat.Operational}}}
	f.vendors = []upstat.Vendor{v}
	resolved := func(id string, sev upstat.Severity, kind upstat.Kind, from, to time.Time, comps ...string) {
		st := upstat.StateResolved
		if kind == upstat.KindMaintenance {
			st = upstat.StateCompleted
		}
		f.incidents[id] = &upstat.Incident{ID: id, Vendor: "acme", Kind: kind, Title: id, URL: "https://status.acme.example/" + id,
			Severity: sev, Status: st, Components: comps, StartedAt: from, UpdatedAt: to, ResolvedAt: &to}
	}
	resolved("acme:p1", upstat.PartialOutage, upstat.KindIncident, at(-6, 22, 0), at(-5, 3, 0), "API")
	resolved("acme:m1", upstat.MajorOutage, upstat.KindIncident, at(-3, 8, 0), at(-3, 10, 0), "API")
	resolved("acme:mx", upstat.Maintenance, upstat.KindMaintenance, at(-2, 1, 0), at(-2, 3, 0), "Sites/Web")
	resolved("acme:d1", upstat.Degraded, upstat.KindIncident, at(-25, 0, 0), at(-24, 0, 0)) // before the first read
	resolved("acme:gap", upstat.MajorOutage, upstat.KindIncident, at(-4, 9, 0), at(-4, 13, 0))
	h := historyStore{fakeStore: f,
		changes: []upstat.Event{
			{At: first, Vendor: "acme", Type: upstat.EventVendorStatusChanged, From: upstat.Unknown, To: upstat.Operational},
			{At: at(-1, 14, 0), Vendor: "acme", Type: upstat.EventVendorStatusChanged, From: upstat.Operational, To: upstat.Degraded},
			{At: at(-1, 15, 30), Vendor: "acme", Type: upstat.EventVendorStatusChanged, From: upstat.Degraded, To: upstat.Operational},
		},
		health: []upstat.Event{
			{At: at(-4, 10, 0), Vendor: "acme", Type: upstat.EventVendorStale},
			{At: at(-4, 16, 0), Vendor: "acme", Type: upstat.EventVendorRecovered},
		}}
	d, err := New(Options{Reader: h, Now: func() time.Time { return testNow }, HistoryDays: 30,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	return h, d
}

// TestReportMatchesBars: over the bars' 30 days, each day of the report
// (vendor and every component) says what the bar's cell says: the same
// worst state, the same "no data", the same uptime.
func TestReportMatchesBars(t *testing.T) {
	h, d := reportFixture()
	ctx := context.Background()
	v := &h.vendors[0]
	today := time.Date(testNow.Year(), testNow.Month(), testNow.Day(), 0, 0, 0, 0, time.UTC)
	from := today.AddDate(0, 0, -29)
	rep, err := d.VendorReport(ctx, "acme", from, today.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	// The bars exactly as the vendor page computes them.
	ev, err := d.evidence(ctx, v, testNow.Add(-90*24*time.Hour), testNow)
	if err != nil {
		t.Fatal(err)
	}
	bars := map[string]bar{"": d.bar(ev.vendor(), ev.obs, testNow)}
	for _, c := range v.Components {
		bars[c.Key()] = d.bar(ev.component(c), ev.obs, testNow)
	}
	if len(rep.Subjects) != 3 || rep.Subjects[2].Component != "Sites/Web" {
		t.Fatalf("subjects %+v, want the vendor then API and Sites/Web", rep.Subjects)
	}
	for _, s := range rep.Subjects {
		b := bars[s.Component]
		if len(s.Days) != len(b.Days) {
			t.Fatalf("%q: %d report days, %d bar days", s.Component, len(s.Days), len(b.Days))
		}
		for i, day := range s.Days {
			cell := b.Days[i]
			if day.Date != cell.Date.Format(time.DateOnly) || day.Worst != cellWorst(cell) || day.Uptime.NoData != cell.NoData ||
				day.Uptime.Percent != cell.Uptime.Percent() {
				t.Errorf("%q %s: report %s %v %s, bar %s %s %v %s", s.Component, day.Date, day.Worst, day.Uptime.NoData, day.Uptime.Percent,
					cell.Date.Format(time.DateOnly), cell.Worst, cell.NoData, cell.Uptime.Percent())
			}
		}
		if s.Total.Percent != b.Up30.Percent() {
			t.Errorf("%q: total %s, bar's 30-day uptime %s", s.Component, s.Total.Percent, b.Up30.Percent())
		}
	}

	vendor := rep.Subjects[0]
	byDate := map[string]upstat.ReportDay{}
	for _, day := range vendor.Days {
		byDate[day.Date] = day
	}
	// Before the first read: no data, never operational.
	if d := byDate[at(-22, 0, 0).Format(time.DateOnly)]; !d.Uptime.NoData || d.Uptime.Percent != "no data" || d.Uptime.Ratio != nil || d.Worst != upstat.Unknown {
		t.Errorf("a day before the first read: %+v", d)
	}
	// The stale day: six hours unseen, the reported outage counted only
	// where seen (09:00-10:00), and not as uptime either.
	gapDay := byDate[at(-4, 0, 0).Format(time.DateOnly)].Uptime.Seconds
	if gapDay.Unobserved != 6*3600 || gapDay.Measured != 18*3600 || gapDay.Major != 3600 || gapDay.Operational != 17*3600 {
		t.Errorf("the stale day: %+v, want 6h unobserved, 18h measured, 1h major", gapDay)
	}
	// Time in each state: maintenance apart, partial and major apart, an
	// outage only upstat saw counted.
	if s := byDate[at(-1, 0, 0).Format(time.DateOnly)].Uptime.Seconds; s.Degraded != 90*60 {
		t.Errorf("yesterday: %+v, want 90 minutes degraded (observed)", s)
	}
	api := rep.Subjects[1]
	if api.Total.Seconds.Major != 2*3600 || api.Total.Seconds.Partial != 5*3600 {
		t.Errorf("API total %+v, want 2h major and 5h partial", api.Total.Seconds)
	}
	web := rep.Subjects[2]
	if web.Total.Seconds.Maintenance != 2*3600 {
		t.Errorf("Sites/Web total %+v, want 2h maintenance", web.Total.Seconds)
	}
	if len(rep.Gaps) != 2 || rep.Gaps[0].Reason != "before upstat first read the vendor" || !rep.Gaps[1].From.Equal(at(-4, 10, 0)) {
		t.Errorf("gaps %+v, want before the first read and the stale stretch", rep.Gaps)
	}
	if len(rep.Incidents) != 5 || rep.Incidents[0].ID != "acme:d1" || rep.Incidents[0].URL == "" {
		t.Errorf("incidents %+v, want the five in the window (one before the first read), oldest first, with links", rep.Incidents)
	}
	if !rep.To.Equal(testNow) {
		t.Errorf("to %s, want cut at now", rep.To)
	}
}

func TestReportWindow(t *testing.T) {
	_, d := reportFixture()
	ctx := context.Background()
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for name, w := range map[string][2]time.Time{
		"not midnight":  {day.Add(time.Hour), day.AddDate(0, 0, 2)},
		"reversed":      {day.AddDate(0, 0, 2), day},
		"too long":      {day.AddDate(-2, 0, 0), day},
		"in the future": {day.AddDate(0, 1, 0), day.AddDate(0, 2, 0)},
	} {
		if _, err := d.VendorReport(ctx, "acme", w[0], w[1]); !errors.Is(err, upstat.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := d.VendorReport(ctx, "nope", day, day.AddDate(0, 0, 1)); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("unknown vendor: %v, want ErrNotFound", err)
	}
}
