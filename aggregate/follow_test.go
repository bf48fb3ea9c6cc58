package aggregate_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/aggregate"
	"github.com/upstat/upstat/store"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// replica is one aggregator on a shared PostgreSQL schema, following the
// others, with a subscriber recording what it is handed.
type replica struct {
	svc *aggregate.Service
	mu  sync.Mutex
	got []upstat.Event
}

func (r *replica) events() []upstat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]upstat.Event(nil), r.got...)
}

func startReplica(t *testing.T, dsn string, vendors []aggregate.VendorConfig) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	feed, ok := st.Vendors.(upstat.ChangeFeed)
	if !ok {
		t.Fatal("the PostgreSQL store is no ChangeFeed")
	}
	r := &replica{svc: aggregate.New(st.Vendors, aggregate.Options{Shared: true, Log: slog.New(slog.DiscardHandler)})}
	if err := r.svc.Configure(ctx, vendors); err != nil {
		t.Fatal(err)
	}
	sub, unsubscribe := r.svc.Subscribe()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		r.svc.Follow(ctx, feed, 50*time.Millisecond)
	}()
	go func() {
		defer wg.Done()
		for e := range sub {
			r.mu.Lock()
			r.got = append(r.got, e)
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		unsubscribe()
		wg.Wait()
		_ = st.Close()
	})
	return r
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Three replicas share one schema; each records polls of its own vendor.
// Every replica's read model shows what the others wrote, and every
// replica hands out the same events, with the same cursors, in the same
// order, none missing or repeated.
func TestReplicasFollowEachOther(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	var vendors []aggregate.VendorConfig
	for i := range 3 {
		id := fmt.Sprintf("v%d", i)
		vendors = append(vendors, aggregate.VendorConfig{ID: id, Name: id, Sources: []aggregate.SourceConfig{{Kind: "statuspage", URL: "https://" + id}}})
	}
	var reps []*replica
	for range 3 {
		reps = append(reps, startReplica(t, dsn, vendors))
	}
	// Replica i polls vendor i: an incident opens, updates, resolves.
	var wg sync.WaitGroup
	errs := make(chan error, len(reps))
	for i, r := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("v%d", i)
			inc := upstat.Incident{ID: "i1", Kind: upstat.KindIncident, Title: "Errors", Severity: upstat.PartialOutage,
				Status: upstat.StateInvestigating, StartedAt: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC),
				Updates: []upstat.Update{{ID: "u1", At: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), Status: upstat.StateInvestigating, Body: "looking"}}}
			steps := []upstat.IncidentState{upstat.StateInvestigating, upstat.StateIdentified, upstat.StateResolved}
			for k, state := range steps {
				inc.Status = state
				if k > 0 {
					inc.Updates = append(inc.Updates, upstat.Update{ID: fmt.Sprintf("u%d", k+1), At: inc.StartedAt.Add(time.Duration(k) * time.Minute), Status: state, Body: string(state)})
				}
				if state == upstat.StateResolved {
					at := inc.StartedAt.Add(5 * time.Minute)
					inc.ResolvedAt = &at
				}
				snap := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{{Name: "API", Status: upstat.Operational}},
					Incidents: []upstat.Incident{inc}}
				if err := r.svc.Record(ctx, id, 0, snap, nil); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	wg.Wait()
	for range reps {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Every replica sees every vendor's resolved incident.
	for i, r := range reps {
		waitUntil(t, fmt.Sprintf("replica %d to see every vendor operational", i), func() bool {
			sum, _ := r.svc.Summary(ctx)
			for _, v := range sum {
				if v.Status != upstat.Operational || v.ActiveIncidents != 0 {
					return false
				}
			}
			return len(sum) == 3
		})
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.Vendors.Events(ctx, 0, upstat.MaxEventLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 3*4 { // per vendor: status change, opened, updated, resolved at least
		t.Fatalf("the log has %d events", len(all))
	}
	for i, r := range reps {
		waitUntil(t, fmt.Sprintf("replica %d to hand out %d events", i, len(all)), func() bool { return len(r.events()) >= len(all) })
		if got := r.events(); !reflect.DeepEqual(got, all) {
			t.Errorf("replica %d handed out %d events, the log has %d; first difference at %d", i, len(got), len(all), firstDiff(got, all))
		}
	}
}

func firstDiff(a, b []upstat.Event) int {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return i
		}
	}
	return min(len(a), len(b))
}

// Two replicas polling the same vendor (as inside a lease takeover
// window), the second with an outdated read model: the incident is
// opened once, and the vendor goes stale once, on either store.
func TestTwoWritersRecordATransitionOnce(t *testing.T) {
	for name, newDSN := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "shared.db") },
		"postgres": func(t *testing.T) string { return pgtest.Schema(t) },
	} {
		t.Run(name, func(t *testing.T) {
			dsn := newDSN(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			vendors := []aggregate.VendorConfig{{ID: "acme", Name: "Acme", Sources: []aggregate.SourceConfig{{Kind: "statuspage", URL: "https://acme"}}}}
			var svcs []*aggregate.Service
			var st0 *store.Store
			for i := range 2 {
				st, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = st.Close() })
				if i == 0 {
					st0 = st
				}
				svc := aggregate.New(st.Vendors, aggregate.Options{Now: clock, StaleAfter: time.Minute, Log: slog.New(slog.DiscardHandler)})
				if err := svc.Configure(ctx, vendors); err != nil {
					t.Fatal(err)
				}
				svcs = append(svcs, svc)
			}
			snap := func() *upstat.Snapshot {
				return &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{{Name: "API", Status: upstat.Degraded}},
					Incidents: []upstat.Incident{{ID: "i1", Kind: upstat.KindIncident, Title: "Errors", Severity: upstat.Degraded,
						Status: upstat.StateInvestigating, StartedAt: now}}}
			}
			for _, svc := range svcs {
				if err := svc.Record(ctx, "acme", 0, snap(), nil); err != nil {
					t.Fatal(err)
				}
			}
			// The source fails on both; after StaleAfter both check.
			for _, svc := range svcs {
				if err := svc.Record(ctx, "acme", 0, nil, errors.New("http 503")); err != nil {
					t.Fatal(err)
				}
			}
			now = now.Add(2 * time.Minute)
			for _, svc := range svcs {
				if err := svc.CheckStale(ctx); err != nil {
					t.Fatal(err)
				}
			}
			evs, err := st0.Vendors.Events(ctx, 0, upstat.MaxEventLimit)
			if err != nil {
				t.Fatal(err)
			}
			count := map[upstat.EventType]int{}
			for _, e := range evs {
				count[e.Type]++
			}
			if count[upstat.EventIncidentOpened] != 1 || count[upstat.EventVendorStale] != 1 || count[upstat.EventVendorStatusChanged] != 1 {
				t.Errorf("events by type = %v; want one incident.opened, one vendor.status_changed, one vendor.stale", count)
			}
			for i, svc := range svcs {
				v, err := svc.Vendor(ctx, "acme")
				if err != nil {
					t.Fatal(err)
				}
				if !v.Stale || v.Status != upstat.Degraded || len(v.Incidents) != 1 {
					t.Errorf("replica %d shows stale %v status %v, %d incidents; want stale, degraded, 1", i, v.Stale, v.Status, len(v.Incidents))
				}
			}
		})
	}
}
