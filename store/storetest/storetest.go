// Package storetest is the conformance suite of upstat's stores: every
// implementation of upstat.VendorStore (and of alert.Store, through
// alerttest.StoreSuite, and of cluster.Store where the store has one,
// through clustertest.Suite) must pass Run, so the aggregator and the alert
// engine behave the same on SQLite and on PostgreSQL.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/cluster/clustertest"
	"github.com/upstat/upstat/store"
)

// Run runs the whole suite. newDSN returns, for one test, the storage
// string of a fresh, empty database; every store.Open of it must see the
// same data (a reopen, or another replica).
func Run(t *testing.T, newDSN func(t *testing.T) string) {
	open := func(t *testing.T, dsn string) *store.Store {
		t.Helper()
		s, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return s
	}
	t.Run("vendor state", func(t *testing.T) {
		VendorSuite(t, func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore) {
			dsn := newDSN(t)
			return open(t, dsn).Vendors, func() upstat.VendorStore { return open(t, dsn).Vendors }
		})
	})
	t.Run("cluster", func(t *testing.T) {
		dsn := newDSN(t)
		if open(t, dsn).Cluster == nil {
			return // one process owns everything: nothing to share
		}
		clustertest.Suite(t, func() cluster.Store { return open(t, dsn).Cluster })
	})
	t.Run("alerts", func(t *testing.T) {
		alerttest.StoreSuite(t, func(t *testing.T) (alert.Store, func() alert.Store) {
			dsn := newDSN(t)
			return open(t, dsn).Alerts, func() alert.Store { return open(t, dsn).Alerts }
		})
	})
}

// At is the base time of the suite's data (millisecond precision, as
// stored).
var At = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func ts(min int) time.Time { return At.Add(time.Duration(min) * time.Minute) }

func tp(min int) *time.Time { t := ts(min); return &t }

// configure records one vendor with n sources and fails t on error.
func configure(t *testing.T, s upstat.VendorStore, id string, n int) {
	t.Helper()
	v := upstat.VendorState{VendorRecord: upstat.VendorRecord{ID: id, Name: id + " Inc", Labels: map[string]string{"tier": "1"}}}
	for i := range n {
		v.Sources = append(v.Sources, upstat.SourceRecord{Kind: "statuspage", URL: "https://" + id + "/" + string(rune('a'+i))})
	}
	if err := s.Configure(context.Background(), []upstat.VendorState{v}); err != nil {
		t.Fatalf("configure %s: %v", id, err)
	}
}

func apply(t *testing.T, s upstat.VendorStore, ch *upstat.VendorChange) {
	t.Helper()
	if err := s.Apply(context.Background(), ch); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

func load(t *testing.T, s upstat.VendorStore, id string) *upstat.VendorState {
	t.Helper()
	st, err := s.LoadVendor(context.Background(), id)
	if err != nil {
		t.Fatalf("load %s: %v", id, err)
	}
	return st
}

// incident is an open incident of vendor v started at minute min.
func incident(v, id string, min int, updates ...upstat.Update) upstat.IncidentRecord {
	return upstat.IncidentRecord{Incident: upstat.Incident{
		ID: v + ":" + id, Vendor: v, Kind: upstat.KindIncident, Title: "Elevated errors " + id, URL: "https://x/" + id,
		Severity: upstat.Degraded, Status: upstat.StateInvestigating, Components: []string{"API"},
		StartedAt: ts(min), UpdatedAt: ts(min), Updates: updates,
	}, Hash: "h-" + id, NoticeHash: "n-" + id}
}

func event(v string, typ upstat.EventType, min int) upstat.Event {
	return upstat.Event{At: ts(min), Type: typ, Vendor: v, From: upstat.Operational, To: upstat.Degraded}
}

// VendorSuite checks an upstat.VendorStore. open returns a fresh store and
// a function opening the same database again.
func VendorSuite(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	t.Run("configure and load", func(t *testing.T) { configureAndLoad(t, open) })
	t.Run("apply round trip", func(t *testing.T) { applyRoundTrip(t, open) })
	t.Run("apply is all or nothing", func(t *testing.T) { applyAtomic(t, open) })
	t.Run("a change from an outdated version conflicts", func(t *testing.T) { versions(t, open) })
	t.Run("incident ids unique, updates never duplicated", func(t *testing.T) { incidentsUnique(t, open) })
	t.Run("incident listing", func(t *testing.T) { incidentListing(t, open) })
	t.Run("event cursor", func(t *testing.T) { eventCursor(t, open) })
	t.Run("events visible in seq order under concurrent writers", func(t *testing.T) { eventOrder(t, open) })
	t.Run("status changes", func(t *testing.T) { statusChanges(t, open) })
	t.Run("prune", func(t *testing.T) { prune(t, open) })
	t.Run("touch", func(t *testing.T) { touch(t, open) })
}

func configureAndLoad(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, reopen := open(t)
	ctx := context.Background()
	if _, err := s.LoadVendor(ctx, "nope"); !errors.Is(err, upstat.ErrNotFound) {
		t.Fatalf("load unknown: err = %v, want ErrNotFound", err)
	}
	configure(t, s, "acme", 2)
	st := load(t, s, "acme")
	if st.Name != "acme Inc" || st.Labels["tier"] != "1" || st.Status != upstat.Unknown || st.LastCheckedAt != nil {
		t.Errorf("new vendor = %+v, want named, labelled, unknown, never checked", st.VendorRecord)
	}
	if len(st.Sources) != 2 || st.Sources[1].Idx != 1 || st.Sources[1].URL != "https://acme/b" {
		t.Fatalf("sources = %+v", st.Sources)
	}
	apply(t, s, &upstat.VendorChange{VendorID: "acme",
		Sources: []upstat.SourceRecord{
			{Idx: 0, LastError: "http 503", FailingSince: tp(1), LastCheckedAt: tp(1)},
			{Idx: 1, LastError: "http 500", FailingSince: tp(1), LastCheckedAt: tp(1)},
		},
		Components: []upstat.ComponentRecord{
			{Component: upstat.Component{Name: "API", Status: upstat.Operational}, SourceIdx: 0},
			{Component: upstat.Component{Name: "Web", Status: upstat.Operational}, SourceIdx: 1},
		}})
	// Source 0 keeps its URL (its error stays); source 1 is gone with its
	// components; the vendor is renamed.
	if err := reopen().Configure(ctx, []upstat.VendorState{{VendorRecord: upstat.VendorRecord{ID: "acme", Name: "Acme"},
		Sources: []upstat.SourceRecord{{Kind: "statuspage", URL: "https://acme/a"}}}}); err != nil {
		t.Fatal(err)
	}
	st = load(t, s, "acme")
	if st.Name != "Acme" || len(st.Sources) != 1 || st.Sources[0].LastError != "http 503" || st.Sources[0].FailingSince == nil {
		t.Errorf("after reconfigure: %+v sources %+v", st.VendorRecord, st.Sources)
	}
	if len(st.Components) != 1 || st.Components[0].Name != "API" {
		t.Errorf("components = %+v, want only API (Web's source is gone)", st.Components)
	}
	// A source whose URL changed loses its error state.
	if err := s.Configure(ctx, []upstat.VendorState{{VendorRecord: upstat.VendorRecord{ID: "acme", Name: "Acme"},
		Sources: []upstat.SourceRecord{{Kind: "statuspage", URL: "https://acme/new"}}}}); err != nil {
		t.Fatal(err)
	}
	if st = load(t, s, "acme"); st.Sources[0].LastError != "" || st.Sources[0].FailingSince != nil {
		t.Errorf("source with a new URL keeps its error: %+v", st.Sources[0])
	}
}

func applyRoundTrip(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, reopen := open(t)
	configure(t, s, "gh", 2)
	ind := upstat.Degraded
	maint := incident("gh", "m1", 2)
	maint.Kind, maint.Status, maint.ScheduledFor, maint.ScheduledUntil = upstat.KindMaintenance, upstat.StateScheduled, tp(60), tp(120)
	closed := incident("gh", "old", 0)
	closed.Status, closed.ResolvedAt, closed.ClosedBy = upstat.StateResolved, tp(1), "vendor"
	open1 := incident("gh", "i1", 3, upstat.Update{ID: "u1", At: ts(3), Status: upstat.StateInvestigating, Body: "looking"})
	open1.SourceRef, open1.SeveritySource = "https://gh/feed?id=1", upstat.SeverityFromText
	ch := &upstat.VendorChange{
		VendorID: "gh",
		Vendor: &upstat.VendorRecord{ID: "gh", Status: upstat.Degraded, LastCheckedAt: tp(4), LastSuccessAt: tp(4),
			StatusChangedAt: tp(4), FirstSuccessAt: tp(4), LastError: ""},
		Sources: []upstat.SourceRecord{{Idx: 0, LastCheckedAt: tp(4), LastSuccessAt: tp(4), Indicator: &ind},
			{Idx: 1, LastCheckedAt: tp(4), LastError: "http 503", FailingSince: tp(4)}},
		Components: []upstat.ComponentRecord{
			{Component: upstat.Component{Name: "API", Status: upstat.Degraded, UpdatedAt: ts(3)}, Pos: 0},
			{Component: upstat.Component{Name: "Web", Group: "Site", Status: upstat.Operational, Hidden: true}, Pos: 1},
		},
		Incidents: []upstat.IncidentRecord{closed, maint, open1},
		Events:    []upstat.Event{event("gh", upstat.EventVendorStatusChanged, 4), event("gh", upstat.EventIncidentOpened, 4)},
	}
	apply(t, s, ch)
	if ch.Events[0].Seq <= 0 || ch.Events[1].Seq <= ch.Events[0].Seq || ch.Events[1].ID == "" {
		t.Errorf("events got seq %d, %d id %q: want increasing, with an id", ch.Events[0].Seq, ch.Events[1].Seq, ch.Events[1].ID)
	}
	st := load(t, reopen(), "gh")
	want := *ch.Vendor
	want.Name, want.Labels, want.Version = "gh Inc", map[string]string{"tier": "1"}, 1
	if !reflect.DeepEqual(st.VendorRecord, want) {
		t.Errorf("vendor:\n got  %+v\n want %+v", st.VendorRecord, want)
	}
	if s0, s1 := st.Sources[0], st.Sources[1]; s0.Indicator == nil || *s0.Indicator != upstat.Degraded ||
		s1.Indicator != nil || s1.LastError != "http 503" || !s1.FailingSince.Equal(ts(4)) || s1.LastSuccessAt != nil {
		t.Errorf("sources = %+v", st.Sources)
	}
	if !reflect.DeepEqual(st.Components, ch.Components) {
		t.Errorf("components:\n got  %+v\n want %+v", st.Components, ch.Components)
	}
	// Open incidents only (scheduled counts), newest first, without updates.
	if len(st.Incidents) != 2 || st.Incidents[0].ID != "gh:i1" || st.Incidents[1].ID != "gh:m1" {
		t.Fatalf("open incidents = %+v", st.Incidents)
	}
	got, wantInc := st.Incidents[0], open1
	wantInc.Updates = nil
	if !reflect.DeepEqual(got, wantInc) {
		t.Errorf("incident:\n got  %+v\n want %+v", got, wantInc)
	}
	if m := st.Incidents[1]; !m.ScheduledFor.Equal(ts(60)) || !m.ScheduledUntil.Equal(ts(120)) || m.Kind != upstat.KindMaintenance {
		t.Errorf("maintenance = %+v", m)
	}
	byID, err := s.IncidentsByID(context.Background(), []string{"gh:old", "gh:i1", "gh:none"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byID) != 2 || byID["gh:old"].ClosedBy != "vendor" || !byID["gh:old"].ResolvedAt.Equal(ts(1)) || byID["gh:i1"].Hash != "h-i1" {
		t.Errorf("incidents by id = %+v", byID)
	}
	if _, err := s.Incident(context.Background(), "gh:none"); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("unknown incident: err = %v, want ErrNotFound", err)
	}
}

func applyAtomic(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, _ := open(t)
	configure(t, s, "acme", 1)
	// The second incident names a vendor that does not exist: the whole
	// change fails, events and the first incident included.
	bad := &upstat.VendorChange{VendorID: "acme",
		Vendor:    &upstat.VendorRecord{ID: "acme", Status: upstat.MajorOutage, LastCheckedAt: tp(1)},
		Incidents: []upstat.IncidentRecord{incident("acme", "ok", 1), incident("ghost", "x", 1)},
		Events:    []upstat.Event{event("acme", upstat.EventIncidentOpened, 1)},
	}
	if err := s.Apply(context.Background(), bad); err == nil {
		t.Fatal("apply of an incident of an unknown vendor succeeded")
	}
	evs, err := s.Events(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	st := load(t, s, "acme")
	if len(evs) != 0 || len(st.Incidents) != 0 || st.Status != upstat.Unknown {
		t.Errorf("a failed apply left %d events, %d incidents, status %v", len(evs), len(st.Incidents), st.Status)
	}
}

func versions(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, reopen := open(t)
	ctx := context.Background()
	configure(t, s, "acme", 1)
	base := load(t, s, "acme").Version
	if base != 0 {
		t.Fatalf("new vendor at version %d, want 0", base)
	}
	apply(t, s, &upstat.VendorChange{VendorID: "acme", Base: &base,
		Vendor: &upstat.VendorRecord{ID: "acme", Status: upstat.Operational, LastCheckedAt: tp(1)}})
	if err := s.Touch(&upstat.VendorChange{VendorID: "acme", Vendor: &upstat.VendorRecord{LastCheckedAt: tp(2)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushTouches(ctx); err != nil {
		t.Fatal(err)
	}
	if v := load(t, s, "acme").Version; v != 1 {
		t.Fatalf("version after an apply and a touch = %d, want 1", v)
	}
	// Computed from version 0, which another writer moved past.
	stale := &upstat.VendorChange{VendorID: "acme", Base: &base,
		Vendor:    &upstat.VendorRecord{ID: "acme", Status: upstat.MajorOutage, LastCheckedAt: tp(3)},
		Incidents: []upstat.IncidentRecord{incident("acme", "dup", 3)},
		Events:    []upstat.Event{event("acme", upstat.EventIncidentOpened, 3)}}
	if err := reopen().Apply(ctx, stale); !errors.Is(err, upstat.ErrConflict) {
		t.Fatalf("apply from an outdated version: err = %v, want ErrConflict", err)
	}
	st := load(t, s, "acme")
	evs, _ := s.Events(ctx, 0, 0)
	if st.Version != 1 || st.Status != upstat.Operational || len(st.Incidents) != 0 || len(evs) != 0 {
		t.Errorf("a conflicting apply wrote: version %d status %v incidents %d events %d", st.Version, st.Status, len(st.Incidents), len(evs))
	}
	// Writers racing from the same version: exactly one wins.
	const writers = 4
	cur := st.Version
	results := make(chan error, writers)
	for w := range writers {
		store := s
		if w%2 == 1 {
			store = reopen()
		}
		go func() {
			results <- store.Apply(ctx, &upstat.VendorChange{VendorID: "acme", Base: &cur,
				Events: []upstat.Event{event("acme", upstat.EventVendorStatusChanged, 4)}})
		}()
	}
	won := 0
	for range writers {
		switch err := <-results; {
		case err == nil:
			won++
		case !errors.Is(err, upstat.ErrConflict):
			t.Errorf("racing apply: %v", err)
		}
	}
	if evs, _ := s.Events(ctx, 0, 0); won != 1 || len(evs) != 1 {
		t.Errorf("%d of %d racing writers won, %d events stored; want exactly one", won, writers, len(evs))
	}
}

func incidentsUnique(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, reopen := open(t)
	ctx := context.Background()
	configure(t, s, "acme", 1)
	u1 := upstat.Update{ID: "u1", At: ts(1), Status: upstat.StateInvestigating, Body: "looking"}
	u2 := upstat.Update{ID: "u2", At: ts(2), Status: upstat.StateIdentified, Body: "found"}
	u0 := upstat.Update{ID: "u0", At: ts(2), Status: upstat.StateIdentified, Body: "same minute, later"}
	apply(t, s, &upstat.VendorChange{VendorID: "acme", Incidents: []upstat.IncidentRecord{incident("acme", "1", 1, u1)}})
	// The same incident again with its first update repeated (another
	// replica, or a retry) and two new ones.
	again := incident("acme", "1", 1, u1, u2, u0)
	again.Status, again.Title = upstat.StateIdentified, "renamed"
	apply(t, reopen(), &upstat.VendorChange{VendorID: "acme", Incidents: []upstat.IncidentRecord{again}})
	// An update edited by the vendor replaces the stored one.
	u1.Body = "looking (edited)"
	apply(t, s, &upstat.VendorChange{VendorID: "acme", Incidents: []upstat.IncidentRecord{incident("acme", "1", 1, u1)}})
	inc, err := s.Incident(ctx, "acme:1")
	if err != nil {
		t.Fatal(err)
	}
	want := []upstat.Update{u1, u2, u0} // oldest first; the same time keeps the order stored
	if !reflect.DeepEqual(inc.Updates, want) {
		t.Errorf("updates:\n got  %+v\n want %+v", inc.Updates, want)
	}
	list, _, err := s.Incidents(ctx, upstat.IncidentFilter{Vendor: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Title != "Elevated errors 1" {
		t.Errorf("incidents = %+v, want one, last written", list)
	}
	noUpdates, err := s.Incident(ctx, "acme:1")
	if err != nil || noUpdates.Updates == nil {
		t.Errorf("incident updates = %v (%v), want a non-nil list", noUpdates, err)
	}
}

func incidentListing(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, _ := open(t)
	ctx := context.Background()
	configure(t, s, "a", 1)
	configure(t, s, "b", 1)
	var incs []upstat.IncidentRecord
	for i := range 7 {
		inc := incident("a", string(rune('0'+i)), i)
		if i%2 == 0 {
			inc.Status, inc.ResolvedAt = upstat.StateResolved, tp(i+1)
		}
		if i == 5 {
			inc.Severity = upstat.MajorOutage
		}
		incs = append(incs, inc)
	}
	apply(t, s, &upstat.VendorChange{VendorID: "a", Incidents: incs})
	maint := incident("b", "m", -100)
	maint.Kind, maint.Status, maint.ScheduledFor = upstat.KindMaintenance, upstat.StateScheduled, tp(50)
	apply(t, s, &upstat.VendorChange{VendorID: "b", Incidents: []upstat.IncidentRecord{maint}})

	ids := func(f upstat.IncidentFilter) ([]string, *upstat.IncidentCursor) {
		t.Helper()
		list, next, err := s.Incidents(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		var out []string
		for _, inc := range list {
			out = append(out, inc.ID)
		}
		return out, next
	}
	for _, c := range []struct {
		name string
		f    upstat.IncidentFilter
		want []string
	}{
		{"vendor", upstat.IncidentFilter{Vendor: "a", Limit: 3}, []string{"a:6", "a:5", "a:4"}},
		{"active", upstat.IncidentFilter{State: "active"}, []string{"a:5", "a:3", "a:1"}},
		{"resolved", upstat.IncidentFilter{State: "resolved", Vendor: "a"}, []string{"a:6", "a:4", "a:2", "a:0"}},
		{"min severity", upstat.IncidentFilter{HasMinSev: true, MinSeverity: upstat.MajorOutage}, []string{"a:5"}},
		{"since keeps future maintenance", upstat.IncidentFilter{Since: tp(5)}, []string{"a:6", "a:5", "b:m"}},
		{"until", upstat.IncidentFilter{Until: tp(1), Vendor: "a"}, []string{"a:0"}},
	} {
		if got, _ := ids(c.f); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Pages of 3 through vendor a: every incident once, newest first.
	var all []string
	var after *upstat.IncidentCursor
	for range 5 {
		page, next := ids(upstat.IncidentFilter{Vendor: "a", Limit: 3, After: after})
		all = append(all, page...)
		if next == nil {
			break
		}
		after = next
	}
	if want := []string{"a:6", "a:5", "a:4", "a:3", "a:2", "a:1", "a:0"}; !reflect.DeepEqual(all, want) {
		t.Errorf("pages = %v, want %v", all, want)
	}
	if _, _, err := s.Incidents(ctx, upstat.IncidentFilter{State: "bogus"}); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("bad state: err = %v, want ErrInvalid", err)
	}
}

func eventCursor(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, reopen := open(t)
	ctx := context.Background()
	configure(t, s, "acme", 1)
	evs, err := s.Events(ctx, 0, 0)
	if err != nil || evs == nil || len(evs) != 0 {
		t.Fatalf("empty log: %v, %v; want an empty, non-nil list", evs, err)
	}
	if last, err := s.LastEventSeq(ctx); err != nil || last != 0 {
		t.Fatalf("last event seq of an empty log = %d, %v; want 0", last, err)
	}
	var written []upstat.Event
	for i := range 5 {
		ch := &upstat.VendorChange{VendorID: "acme", Events: []upstat.Event{
			event("acme", upstat.EventComponentStatusChanged, i), event("acme", upstat.EventVendorStatusChanged, i)}}
		ch.Events[0].Component, ch.Events[1].Backfill = "API", i == 0
		if i == 1 {
			ch.Events[1].Type, ch.Events[1].Service = upstat.EventServiceStatusChanged, "checkout"
		}
		apply(t, s, ch)
		written = append(written, ch.Events...)
	}
	got, err := reopen().Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, written) {
		t.Fatalf("events:\n got  %+v\n want %+v", got, written)
	}
	page, err := s.Events(ctx, written[3].Seq, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(page, written[4:8]) {
		t.Errorf("events after %d, limit 4 = %+v, want %+v", written[3].Seq, page, written[4:8])
	}
	if tail, _ := s.Events(ctx, written[9].Seq, 0); len(tail) != 0 {
		t.Errorf("events after the last = %+v", tail)
	}
	if last, err := reopen().LastEventSeq(ctx); err != nil || last != written[9].Seq {
		t.Errorf("last event seq = %d, %v; want %d", last, err, written[9].Seq)
	}
}

// eventOrder writes events from several writers at once (two handles on
// the same database: replicas, or a reopen) while a reader follows the
// log by cursor: the reader must see every event once, none skipped
// because it became visible after a later one.
func eventOrder(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, reopen := open(t)
	ctx := context.Background()
	other := reopen()
	const writers, perWriter = 4, 25
	for w := range writers {
		configure(t, s, "v"+string(rune('a'+w)), 1)
	}
	errs := make(chan error, writers)
	for w := range writers {
		store := s
		if w%2 == 1 {
			store = other
		}
		go func() {
			id := "v" + string(rune('a'+w))
			for i := range perWriter {
				ch := &upstat.VendorChange{VendorID: id,
					Vendor: &upstat.VendorRecord{ID: id, Status: upstat.Degraded, LastCheckedAt: tp(i)},
					Events: []upstat.Event{event(id, upstat.EventVendorStatusChanged, i), event(id, upstat.EventComponentStatusChanged, i)}}
				if err := store.Apply(ctx, ch); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	// Follow the log until every writer is done and a read after that
	// finds nothing new.
	var seen []int64
	var after int64
	deadline := time.Now().Add(time.Minute)
	for done, quiet := 0, false; !quiet; {
		if time.Now().After(deadline) {
			t.Fatalf("writers not done after a minute (%d events seen)", len(seen))
		}
		finished := done == writers
		evs, err := s.Events(ctx, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			seen = append(seen, e.Seq)
			after = e.Seq
		}
		quiet = finished && len(evs) == 0
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
			done++
		default:
		}
	}
	all, err := s.Events(ctx, 0, upstat.MaxEventLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*perWriter*2 {
		t.Fatalf("log has %d events, want %d", len(all), writers*perWriter*2)
	}
	want := make([]int64, len(all))
	for i, e := range all {
		want[i] = e.Seq
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("a reader following the cursor saw %d events, the log has %d: one became visible after a later one",
			len(seen), len(want))
	}
}

func statusChanges(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, _ := open(t)
	configure(t, s, "a", 1)
	configure(t, s, "b", 1)
	apply(t, s, &upstat.VendorChange{VendorID: "a", Events: []upstat.Event{
		event("a", upstat.EventVendorStatusChanged, 1), event("a", upstat.EventIncidentOpened, 2),
		event("a", upstat.EventComponentStatusChanged, 3), event("a", upstat.EventVendorStatusChanged, 4)}})
	apply(t, s, &upstat.VendorChange{VendorID: "b", Events: []upstat.Event{event("b", upstat.EventVendorStatusChanged, 3)}})
	apply(t, s, &upstat.VendorChange{VendorID: "a", Events: []upstat.Event{event("a", upstat.EventVendorStale, 1),
		event("a", upstat.EventVendorRecovered, 5), event("a", upstat.EventVendorStale, 6)}})
	all, err := s.VendorEvents(context.Background(), "a", ts(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 { // incident.opened 2, component 3, status 4, recovered 5, stale 6
		t.Errorf("vendor events of a since minute 2 = %d, want 5: %+v", len(all), all)
	}
	health, err := s.HealthChanges(context.Background(), "a", ts(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(health) != 2 || health[0].Type != upstat.EventVendorRecovered || health[1].Type != upstat.EventVendorStale {
		t.Errorf("health changes of a since minute 2 = %+v", health)
	}
	got, err := s.StatusChanges(context.Background(), "a", ts(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Type != upstat.EventComponentStatusChanged || got[1].Type != upstat.EventVendorStatusChanged ||
		!got[1].At.Equal(ts(4)) {
		t.Errorf("status changes of a since minute 3 = %+v", got)
	}
}

func prune(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, _ := open(t)
	ctx := context.Background()
	configure(t, s, "acme", 1)
	var incs []upstat.IncidentRecord
	for i := range 5 { // closed at minutes 1..5
		inc := incident("acme", "c"+string(rune('0'+i)), i, upstat.Update{ID: "u", At: ts(i), Body: "x"})
		inc.Status, inc.ResolvedAt = upstat.StateResolved, tp(i+1)
		incs = append(incs, inc)
	}
	incs = append(incs, incident("acme", "open", -1000)) // old but open: kept
	var evs []upstat.Event
	for i := range 5 {
		evs = append(evs, event("acme", upstat.EventIncidentUpdated, i))
	}
	apply(t, s, &upstat.VendorChange{VendorID: "acme", Incidents: incs, Events: evs})
	p, err := s.Prune(ctx, ts(4), 2) // batches of 2: several transactions
	if err != nil {
		t.Fatal(err)
	}
	if p.Incidents != 3 || p.Events != 4 {
		t.Errorf("pruned %+v, want 3 incidents and 4 events", p)
	}
	left, err := s.IncidentsByID(ctx, []string{"acme:c2", "acme:c3", "acme:c4", "acme:open"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := left["acme:c2"]; ok || len(left) != 3 {
		t.Errorf("left after prune: %v", left)
	}
	if _, err := s.Incident(ctx, "acme:c2"); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("pruned incident: err = %v", err)
	}
	rest, _ := s.Events(ctx, 0, 0)
	if len(rest) != 1 || !rest[0].At.Equal(ts(4)) {
		t.Errorf("events left = %+v", rest)
	}
	if p, err := s.Prune(ctx, ts(4), 2); err != nil || p != (upstat.Pruned{}) {
		t.Errorf("second prune = %+v, %v; want nothing", p, err)
	}
}

func touch(t *testing.T, open func(t *testing.T) (upstat.VendorStore, func() upstat.VendorStore)) {
	s, reopen := open(t)
	ctx := context.Background()
	configure(t, s, "acme", 1)
	apply(t, s, &upstat.VendorChange{VendorID: "acme",
		Vendor:  &upstat.VendorRecord{ID: "acme", Status: upstat.Operational, LastCheckedAt: tp(10), LastSuccessAt: tp(10)},
		Sources: []upstat.SourceRecord{{Idx: 0, LastCheckedAt: tp(10), LastSuccessAt: tp(5)}}})
	// Later checks, an older success (kept: never replaces a later one).
	for _, min := range []int{12, 11} {
		if err := s.Touch(&upstat.VendorChange{VendorID: "acme",
			Vendor:  &upstat.VendorRecord{LastCheckedAt: tp(min), LastSuccessAt: tp(1)},
			Sources: []upstat.SourceRecord{{Idx: 0, LastCheckedAt: tp(min), LastSuccessAt: tp(min)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FlushTouches(ctx); err != nil {
		t.Fatal(err)
	}
	st := load(t, reopen(), "acme")
	if !st.LastCheckedAt.Equal(ts(12)) || !st.LastSuccessAt.Equal(ts(10)) || st.Status != upstat.Operational {
		t.Errorf("vendor after touch: checked %v success %v status %v; want minute 12, 10, operational",
			st.LastCheckedAt, st.LastSuccessAt, st.Status)
	}
	if src := st.Sources[0]; !src.LastCheckedAt.Equal(ts(12)) || !src.LastSuccessAt.Equal(ts(12)) {
		t.Errorf("source after touch: %+v", src)
	}
}
