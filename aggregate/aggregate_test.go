package aggregate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/sqlite"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func ptr[T any](v T) *T { return &v }

type env struct {
	t     testing.TB
	path  string
	db    *sqlite.DB
	svc   *Service
	clock *fakeClock
	cfg   []VendorConfig
	opts  Options // but Now and Log
}

// newEnv opens a temp database and a Service configured with cfg.
func newEnv(t testing.TB, cfg ...VendorConfig) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "upstat.db"), clock: &fakeClock{t: t0}, cfg: cfg}
	e.open()
	return e
}

func (e *env) open() {
	e.t.Helper()
	db, err := sqlite.Open(context.Background(), e.path)
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	e.t.Cleanup(func() { _ = db.Close() })
	e.db = db
	o := e.opts
	o.Now, o.Log = e.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil))
	e.svc = New(db, o)
	if err := e.svc.Configure(context.Background(), e.cfg); err != nil {
		e.t.Fatalf("configure: %v", err)
	}
}

// reopen closes the database and starts a new Service on the same file.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatalf("close: %v", err)
	}
	e.open()
}

func (e *env) record(vendor string, idx int, snap *upstat.Snapshot, pollErr error) {
	e.t.Helper()
	if err := e.svc.Record(context.Background(), vendor, idx, snap, pollErr); err != nil {
		e.t.Fatalf("record %s/%d: %v", vendor, idx, err)
	}
}

// flushedRows checks that nothing was written since RowsWritten was
// before (poll times wait in the queue), flushes the queue and returns the
// rows written since before.
func (e *env) flushedRows(before int64) int64 {
	e.t.Helper()
	if n := e.db.RowsWritten() - before; n != 0 {
		e.t.Errorf("%d rows written at once, want 0 (poll times are batched)", n)
	}
	if err := e.db.FlushTouches(context.Background()); err != nil {
		e.t.Fatalf("flush: %v", err)
	}
	return e.db.RowsWritten() - before
}

func (e *env) vendor(id string) *upstat.Vendor {
	e.t.Helper()
	v, err := e.svc.Vendor(context.Background(), id)
	if err != nil {
		e.t.Fatalf("vendor %s: %v", id, err)
	}
	return v
}

func (e *env) events(after int64) []upstat.Event {
	e.t.Helper()
	ev, err := e.svc.Events(context.Background(), after, 1000)
	if err != nil {
		e.t.Fatalf("events: %v", err)
	}
	return ev
}

func (e *env) incidents(f upstat.IncidentFilter) []upstat.Incident {
	e.t.Helper()
	list, _, err := e.svc.Incidents(context.Background(), f)
	if err != nil {
		e.t.Fatalf("incidents: %v", err)
	}
	return list
}

func types(events []upstat.Event) []string {
	var out []string
	for _, e := range events {
		s := string(e.Type)
		if e.Type == upstat.EventVendorStatusChanged || e.Type == upstat.EventComponentStatusChanged {
			s += fmt.Sprintf("(%s%s>%s)", e.Component, e.From, e.To)
		}
		out = append(out, s)
	}
	return out
}

func oneVendor(id string) VendorConfig {
	return VendorConfig{ID: id, Name: id, Sources: []SourceConfig{{Kind: "statuspage", URL: "https://" + id + ".example"}}}
}

func comp(name string, st upstat.Severity) upstat.Component {
	return upstat.Component{Name: name, Status: st, UpdatedAt: t0}
}

// drain returns what the subscription has buffered.
func drain(ch <-chan upstat.Event) []upstat.Event {
	var out []upstat.Event
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestIncidentLifecycle(t *testing.T) {
	e := newEnv(t, oneVendor("gh"))
	sub, cancel := e.svc.Subscribe()
	defer cancel()
	inc := upstat.Incident{
		ID: "abc", Title: "Actions slow", Severity: upstat.Degraded, Status: upstat.StateInvestigating,
		Components: []string{"Actions"}, StartedAt: at(0), UpdatedAt: at(0),
		Updates: []upstat.Update{{ID: "u1", At: at(0), Status: upstat.StateInvestigating, Body: "Looking into it"}},
	}
	snap := func() *upstat.Snapshot {
		return &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("Actions", upstat.Operational)},
			Incidents: []upstat.Incident{inc}, Indicator: ptr(upstat.Operational)}
	}
	e.record("gh", 0, snap(), nil)
	if v := e.vendor("gh"); v.Status != upstat.Degraded || v.ActiveIncidents != 1 || len(v.Incidents) != 1 || v.Incidents[0].ID != "gh:abc" {
		t.Fatalf("after open: status %s, active %d, incidents %+v", v.Status, v.ActiveIncidents, v.Incidents)
	}

	// Update: an edited body for u1 and a new update u2.
	e.clock.Advance(time.Minute)
	inc.Status, inc.UpdatedAt = upstat.StateIdentified, at(5)
	inc.Updates = []upstat.Update{
		{ID: "u2", At: at(5), Status: upstat.StateIdentified, Body: "Found it"},
		{ID: "u1", At: at(0), Status: upstat.StateInvestigating, Body: "Looking into it (edited)"},
	}
	e.record("gh", 0, snap(), nil)

	// Resolution, with the older updates no longer listed.
	e.clock.Advance(time.Minute)
	inc.Status, inc.UpdatedAt = upstat.StateResolved, at(9)
	inc.Updates = []upstat.Update{{ID: "u3", At: at(9), Status: upstat.StateResolved, Body: "Fixed"}}
	e.record("gh", 0, snap(), nil)

	all := e.incidents(upstat.IncidentFilter{Vendor: "gh"})
	if len(all) != 1 {
		t.Fatalf("incident rows = %d, want 1", len(all))
	}
	got, err := e.svc.Incident(context.Background(), "gh:abc")
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, u := range got.Updates {
		bodies = append(bodies, u.Body)
	}
	if want := []string{"Looking into it (edited)", "Found it", "Fixed"}; !reflect.DeepEqual(bodies, want) {
		t.Errorf("updates = %q, want %q", bodies, want)
	}
	if got.Status != upstat.StateResolved || got.ResolvedAt == nil || !got.ResolvedAt.Equal(at(9)) || got.Vendor != "gh" {
		t.Errorf("incident = %+v", got)
	}
	want := []string{
		"incident.opened", "vendor.status_changed(unknown>degraded)",
		"incident.updated",
		"incident.resolved", "vendor.status_changed(degraded>operational)",
	}
	events := e.events(0)
	if !reflect.DeepEqual(types(events), want) {
		t.Errorf("events = %q, want %q", types(events), want)
	}
	if live := drain(sub); !reflect.DeepEqual(live, events) {
		t.Errorf("subscriber got %+v, want %+v", live, events)
	}
	if v := e.vendor("gh"); v.Status != upstat.Operational || v.ActiveIncidents != 0 || len(v.Incidents) != 0 ||
		v.StatusChangedAt == nil || !v.StatusChangedAt.Equal(at(2)) {
		t.Errorf("after resolve: %+v", v.VendorSummary)
	}
}

func TestFirstSeenResolved(t *testing.T) {
	e := newEnv(t, oneVendor("v"))
	e.record("v", 0, &upstat.Snapshot{Incidents: []upstat.Incident{{
		ID: "old", Title: "Past", Severity: upstat.MajorOutage, Status: upstat.StateResolved, StartedAt: at(-60),
		Updates: []upstat.Update{{ID: "1", At: at(-30), Status: upstat.StateResolved, Body: "done"}},
	}}}, nil)
	want := []string{"incident.opened", "incident.resolved", "vendor.status_changed(unknown>operational)"}
	if got := types(e.events(0)); !reflect.DeepEqual(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	inc, err := e.svc.Incident(context.Background(), "v:old")
	if err != nil {
		t.Fatal(err)
	}
	if inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(at(-30)) {
		t.Errorf("resolved_at = %v, want the resolving update's time", inc.ResolvedAt)
	}
}

func TestFailingSource(t *testing.T) {
	e := newEnv(t, oneVendor("never"), oneVendor("known"))
	ctx := context.Background()
	boom := errors.New("http 503")

	// A vendor that never succeeded is unknown, failing or not.
	e.record("never", 0, nil, boom)
	v := e.vendor("never")
	if v.Status != upstat.Unknown || v.LastError != "http 503" || v.Stale || v.LastSuccessAt != nil || v.Sources[0].LastError != "http 503" {
		t.Errorf("never-succeeded vendor: %+v", v)
	}

	e.record("known", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Degraded)}}, nil)
	e.clock.Advance(time.Minute)
	e.record("known", 0, nil, boom)
	before := e.events(0)

	e.clock.Advance(8 * time.Minute) // failing for 8m < 10m
	e.record("known", 0, nil, boom)
	if err := e.svc.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.events(0); len(got) != len(before) {
		t.Errorf("events before StaleAfter: %q", types(got[len(before):]))
	}
	if v := e.vendor("known"); v.Stale || v.Status != upstat.Degraded {
		t.Errorf("before StaleAfter: stale=%v status=%s", v.Stale, v.Status)
	}

	e.clock.Advance(2 * time.Minute) // 10m for "known", 11m for "never"
	if err := e.svc.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	e.record("known", 0, nil, boom)
	if err := e.svc.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"never", "known"} {
		v := e.vendor(id)
		if !v.Stale {
			t.Errorf("%s not stale after StaleAfter", id)
		}
	}
	known := e.vendor("known")
	if known.Status != upstat.Degraded || len(known.Components) != 1 || known.Components[0].Status != upstat.Degraded ||
		known.LastError != "http 503" || !known.LastSuccessAt.Equal(at(0)) || !known.LastCheckedAt.Equal(at(11)) {
		t.Errorf("stale vendor lost its last data: %+v", known)
	}
	if e.vendor("never").Status != upstat.Unknown {
		t.Errorf("never-succeeded stale vendor not unknown")
	}
	newer := e.events(before[len(before)-1].Seq)
	if want := []string{"vendor.stale", "vendor.stale"}; !reflect.DeepEqual(types(newer), want) {
		t.Errorf("events after StaleAfter = %q, want one vendor.stale per vendor", types(newer))
	}

	// Recovery, through a 304.
	e.clock.Advance(time.Minute)
	e.record("known", 0, &upstat.Snapshot{NotModified: true}, nil)
	known = e.vendor("known")
	if known.Stale || known.LastError != "" || known.Sources[0].LastError != "" || known.Status != upstat.Degraded ||
		!known.LastSuccessAt.Equal(at(12)) {
		t.Errorf("after recovery: %+v", known)
	}
	last := e.events(newer[len(newer)-1].Seq)
	if len(last) != 1 || last[0].Type != upstat.EventVendorRecovered || last[0].Vendor != "known" {
		t.Errorf("events after recovery = %q, want vendor.recovered", types(last))
	}
}

func TestUnchangedWritesNothing(t *testing.T) {
	e := newEnv(t, oneVendor("v"))
	snap := benchSnapshot(20, 3)
	e.record("v", 0, snap, nil)
	inc0 := e.incidents(upstat.IncidentFilter{})
	events := e.events(0)
	// Each later poll writes only the vendor row and the source row, and
	// only when the queued poll times are flushed.
	for _, tc := range []struct {
		name string
		snap *upstat.Snapshot
	}{
		{"not modified", &upstat.Snapshot{NotModified: true}},
		{"identical snapshot", benchSnapshot(20, 3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			rows := e.db.RowsWritten()
			e.record("v", 0, tc.snap, nil)
			if n := e.flushedRows(rows); n != 2 {
				t.Errorf("rows written = %d, want 2 (vendor and source health)", n)
			}
			if got := e.events(0); len(got) != len(events) {
				t.Errorf("new events: %q", types(got[len(events):]))
			}
			if got := e.incidents(upstat.IncidentFilter{}); !reflect.DeepEqual(got, inc0) {
				t.Errorf("incidents changed")
			}
			if v := e.vendor("v"); !v.LastSuccessAt.Equal(e.clock.Now()) || len(v.Components) != 20 {
				t.Errorf("vendor after %s: last success %v, %d components", tc.name, v.LastSuccessAt, len(v.Components))
			}
		})
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	cfg := VendorConfig{ID: "gh", Name: "GitHub", Labels: map[string]string{"tier": "critical"},
		Sources: []SourceConfig{{Kind: "statuspage", URL: "https://a"}, {Kind: "feed", URL: "https://b"}}}
	e := newEnv(t, cfg, oneVendor("other"))
	ctx := context.Background()
	snap := benchSnapshot(30, 4)
	e.record("gh", 0, snap, nil)
	e.record("gh", 1, nil, errors.New("decode: unexpected EOF"))
	e.record("other", 0, nil, errors.New("http 500"))

	summary, _ := e.svc.Summary(ctx)
	vendors, _ := e.svc.Vendors(ctx)
	incidents := e.incidents(upstat.IncidentFilter{Limit: 500})
	events := e.events(0)

	e.reopen()
	summary2, _ := e.svc.Summary(ctx)
	vendors2, _ := e.svc.Vendors(ctx)
	if !reflect.DeepEqual(summary2, summary) {
		t.Errorf("summary after reopen:\n%+v\nwant\n%+v", summary2, summary)
	}
	if !reflect.DeepEqual(vendors2, vendors) {
		t.Errorf("vendors after reopen differ:\n%+v\nwant\n%+v", vendors2, vendors)
	}
	if got := e.events(0); len(got) != len(events) {
		t.Errorf("reopen emitted events: %q", types(got[len(events):]))
	}

	e.clock.Advance(time.Minute)
	rows := e.db.RowsWritten()
	e.record("gh", 0, benchSnapshot(30, 4), nil)
	if n := e.flushedRows(rows); n != 2 {
		t.Errorf("re-recording the same snapshot wrote %d rows, want 2", n)
	}
	if got := e.incidents(upstat.IncidentFilter{Limit: 500}); !reflect.DeepEqual(got, incidents) {
		t.Errorf("incidents after reopen and re-record differ: %d vs %d", len(got), len(incidents))
	}
	if got := e.events(0); len(got) != len(events) {
		t.Errorf("re-record emitted events: %q", types(got[len(events):]))
	}
	for _, inc := range incidents {
		full, err := e.svc.Incident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Updates) != 3 {
			t.Errorf("%s has %d updates, want 3", inc.ID, len(full.Updates))
		}
	}
}

func TestVendorStatus(t *testing.T) {
	open := func(sev upstat.Severity, kind upstat.Kind, st upstat.IncidentState) upstat.Incident {
		return upstat.Incident{ID: "i", Kind: kind, Severity: sev, Status: st, StartedAt: at(0)}
	}
	for _, tc := range []struct {
		name string
		snap upstat.Snapshot
		want upstat.Severity
	}{
		{"nothing", upstat.Snapshot{}, upstat.Operational},
		{"indicator none, open minor incident",
			upstat.Snapshot{Indicator: ptr(upstat.Operational), Incidents: []upstat.Incident{open(upstat.Degraded, upstat.KindIncident, upstat.StateMonitoring)}},
			upstat.Degraded},
		{"resolved incident does not count",
			upstat.Snapshot{Incidents: []upstat.Incident{open(upstat.MajorOutage, upstat.KindIncident, upstat.StateResolved)}},
			upstat.Operational},
		{"scheduled maintenance does not count",
			upstat.Snapshot{Incidents: []upstat.Incident{open(upstat.Maintenance, upstat.KindMaintenance, upstat.StateScheduled)}},
			upstat.Operational},
		{"maintenance in progress",
			upstat.Snapshot{Incidents: []upstat.Incident{open(upstat.Operational, upstat.KindMaintenance, upstat.StateInProgress)}},
			upstat.Maintenance},
		{"maintenance in progress with a higher severity",
			upstat.Snapshot{Incidents: []upstat.Incident{open(upstat.PartialOutage, upstat.KindMaintenance, upstat.StateVerifying)}},
			upstat.PartialOutage},
		{"worst component",
			upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("a", upstat.Degraded), comp("b", upstat.PartialOutage)}},
			upstat.PartialOutage},
		{"indicator", upstat.Snapshot{Indicator: ptr(upstat.MajorOutage)}, upstat.MajorOutage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, oneVendor("v"))
			e.record("v", 0, &tc.snap, nil)
			if got := e.vendor("v").Status; got != tc.want {
				t.Errorf("status = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestMultipleSourcesMerge(t *testing.T) {
	cfg := VendorConfig{ID: "v", Sources: []SourceConfig{{Kind: "statuspage", URL: "a"}, {Kind: "statuspage", URL: "b"}, {Kind: "feed", URL: "c"}}}
	e := newEnv(t, cfg)
	e.record("v", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("A", upstat.Operational), comp("B", upstat.Operational)}}, nil)
	e.record("v", 1, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("C", upstat.Degraded)}}, nil)
	// A feed has no components: it must not erase any.
	e.record("v", 2, &upstat.Snapshot{Incidents: []upstat.Incident{{ID: "f1", Severity: upstat.Degraded, Status: upstat.StateInvestigating, StartedAt: at(1)}}}, nil)
	// Source 0 drops B and degrades A.
	e.clock.Advance(time.Minute)
	e.record("v", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("A", upstat.MajorOutage)}}, nil)

	v := e.vendor("v")
	var names []string
	for _, c := range v.Components {
		names = append(names, c.Key()+"="+c.Status.String())
	}
	if want := []string{"A=major_outage", "C=degraded"}; !reflect.DeepEqual(names, want) {
		t.Errorf("components = %q, want %q", names, want)
	}
	if v.Status != upstat.MajorOutage || v.ActiveIncidents != 1 || v.Incidents[0].ID != "v:f1" {
		t.Errorf("vendor = %+v", v)
	}
	last := e.events(0)
	if got := types(last[len(last)-2:]); !reflect.DeepEqual(got, []string{"component.status_changed(Aoperational>major_outage)", "vendor.status_changed(degraded>major_outage)"}) {
		t.Errorf("last events = %q", got)
	}
}

func TestSlowSubscriberDropped(t *testing.T) {
	e := newEnv(t, oneVendor("v"))
	e.svc = New(e.db, Options{Now: e.clock.Now, SubscriberBuffer: 1, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := e.svc.Configure(context.Background(), e.cfg); err != nil {
		t.Fatal(err)
	}
	slow, cancelSlow := e.svc.Subscribe()
	defer cancelSlow()
	e.record("v", 0, &upstat.Snapshot{Incidents: []upstat.Incident{{ID: "1", Status: upstat.StateResolved, StartedAt: at(0)}}}, nil)
	got := drain(slow)
	if len(got) != 1 {
		t.Fatalf("slow subscriber got %d events, want 1 then a closed channel", len(got))
	}
	if _, ok := <-slow; ok {
		t.Errorf("slow subscriber's channel not closed")
	}
	cancelSlow() // a second cancel is harmless

	fast, cancel := e.svc.Subscribe()
	e.record("v", 0, &upstat.Snapshot{Incidents: []upstat.Incident{{ID: "2", Status: upstat.StateInvestigating, StartedAt: at(1)}}}, nil)
	if ev := drain(fast); len(ev) != 1 || ev[0].IncidentID != "v:2" {
		t.Errorf("new subscriber got %+v", ev)
	}
	cancel()
	if _, ok := <-fast; ok {
		t.Errorf("channel not closed by cancel")
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, oneVendor("v"))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"unknown vendor record", e.svc.Record(ctx, "nope", 0, &upstat.Snapshot{}, nil), upstat.ErrNotFound},
		{"bad source index", e.svc.Record(ctx, "v", 1, &upstat.Snapshot{}, nil), upstat.ErrInvalid},
		{"nil snapshot", e.svc.Record(ctx, "v", 0, nil, nil), upstat.ErrInvalid},
		{"unknown vendor read", second(e.svc.Vendor(ctx, "nope")), upstat.ErrNotFound},
		{"unknown incident", second(e.svc.Incident(ctx, "v:nope")), upstat.ErrNotFound},
		{"bad id", e.svc.Configure(ctx, []VendorConfig{{ID: "Bad ID", Sources: []SourceConfig{{}}}}), upstat.ErrInvalid},
		{"duplicate id", e.svc.Configure(ctx, []VendorConfig{oneVendor("a"), oneVendor("a")}), upstat.ErrInvalid},
		{"no source", e.svc.Configure(ctx, []VendorConfig{{ID: "a"}}), upstat.ErrInvalid},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestReconfigure(t *testing.T) {
	e := newEnv(t, oneVendor("a"), oneVendor("b"))
	ctx := context.Background()
	e.record("a", 0, &upstat.Snapshot{Incidents: []upstat.Incident{{ID: "1", Status: upstat.StateInvestigating, StartedAt: at(0)}}}, nil)
	if err := e.svc.Configure(ctx, []VendorConfig{oneVendor("b"), oneVendor("c")}); err != nil {
		t.Fatal(err)
	}
	s, _ := e.svc.Summary(ctx)
	if len(s) != 2 || s[0].ID != "b" || s[1].ID != "c" || s[1].Status != upstat.Unknown {
		t.Errorf("summary = %+v", s)
	}
	if _, err := e.svc.Vendor(ctx, "a"); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("unconfigured vendor still served: %v", err)
	}
	if got := e.incidents(upstat.IncidentFilter{Vendor: "a"}); len(got) != 1 {
		t.Errorf("history of unconfigured vendor lost: %d incidents", len(got))
	}
}

func TestConcurrentReadsDuringRecords(t *testing.T) {
	e := newEnv(t, oneVendor("v"))
	ctx := context.Background()
	snap := benchSnapshot(50, 3)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				vs, err := e.svc.Vendors(ctx)
				if err != nil || len(vs) != 1 {
					t.Errorf("vendors: %v, %d", err, len(vs))
					return
				}
				if n := len(vs[0].Components); n != 0 && n != 50 {
					t.Errorf("reader saw %d components: a half-applied state", n)
					return
				}
			}
		}()
	}
	for i := range 20 {
		snap.Components[i].Status = upstat.Severities[i%5]
		e.clock.Advance(time.Second)
		e.record("v", 0, snap, nil)
	}
	close(done)
	wg.Wait()
}
