package aggregate_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/aggregate"
	"github.com/upstat/upstat/store"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// sharedClock is the clock of replicas in one test, moved by hand.
type sharedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *sharedClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *sharedClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// startClockedReplica is an aggregator on a shared PostgreSQL schema,
// following the others, on clock.
func startClockedReplica(t *testing.T, dsn string, clock *sharedClock, staleAfter time.Duration, vendors []aggregate.VendorConfig) *aggregate.Service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	svc := aggregate.New(st.Vendors, aggregate.Options{Shared: true, Now: clock.Now, StaleAfter: staleAfter, Log: slog.New(slog.DiscardHandler)})
	if err := svc.Configure(ctx, vendors); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Follow(ctx, st.Vendors.(upstat.ChangeFeed), 50*time.Millisecond)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = st.Close()
	})
	return svc
}

// The poll times of a vendor that one replica polls without any change
// (written in the touch batch, about a second later) reach the other
// replicas' read models too, within the batch delay and a follow sweep:
// every replica shows the same last check and last success, vendor and
// source, in the vendor and in the summary, and the same staleness and
// status as the poll times move on, the source fails, and turns stale.
// A replica that marks the vendor stale from an older read does not set
// the stored poll times back.
func TestPollTimesReachEveryReplica(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := &sharedClock{now: t0}
	const staleAfter = time.Minute
	vendors := []aggregate.VendorConfig{{ID: "v", Name: "V", Sources: []aggregate.SourceConfig{{Kind: "statuspage", URL: "https://v"}}}}
	owner := startClockedReplica(t, dsn, clock, staleAfter, vendors)
	other := startClockedReplica(t, dsn, clock, staleAfter, vendors)
	snap := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{{Name: "API", Status: upstat.Operational}}}

	// same says whether other shows what owner shows: poll times (vendor,
	// source, summary), staleness, status, error.
	same := func() (bool, string) {
		a, errA := owner.Vendor(ctx, "v")
		b, errB := other.Vendor(ctx, "v")
		if errA != nil || errB != nil {
			return false, errors.Join(errA, errB).Error()
		}
		sa, _ := owner.Summary(ctx)
		sb, _ := other.Summary(ctx)
		if len(sa) != 1 || len(sb) != 1 {
			return false, "summary"
		}
		eq := func(x, y *time.Time) bool { return x == nil && y == nil || x != nil && y != nil && x.Equal(*y) }
		ok := eq(a.LastCheckedAt, b.LastCheckedAt) && eq(a.LastSuccessAt, b.LastSuccessAt) &&
			eq(a.Sources[0].LastCheckedAt, b.Sources[0].LastCheckedAt) && eq(a.Sources[0].LastSuccessAt, b.Sources[0].LastSuccessAt) &&
			eq(sa[0].LastCheckedAt, sb[0].LastCheckedAt) && eq(sa[0].LastSuccessAt, sb[0].LastSuccessAt) &&
			a.Stale == b.Stale && a.Status == b.Status && a.LastError == b.LastError &&
			sa[0].Stale == sb[0].Stale && sa[0].Status == sb[0].Status
		return ok, ""
	}
	// agree waits until other shows what owner shows, and reports how long
	// it took (touch batch + follow sweep).
	agree := func(what string) {
		t.Helper()
		start := time.Now()
		deadline := start.Add(10 * time.Second)
		for {
			ok, why := same()
			if ok {
				t.Logf("%s: the other replica agrees after %s", what, time.Since(start).Round(10*time.Millisecond))
				return
			}
			if time.Now().After(deadline) {
				a, _ := owner.Vendor(ctx, "v")
				b, _ := other.Vendor(ctx, "v")
				t.Fatalf("%s: the other replica does not show what the owner shows within 10s (%s):\nowner: checked %v success %v stale %v status %v\nother: checked %v success %v stale %v status %v",
					what, why, a.LastCheckedAt, a.LastSuccessAt, a.Stale, a.Status, b.LastCheckedAt, b.LastSuccessAt, b.Stale, b.Status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	record := func(at time.Duration, snap *upstat.Snapshot, err error) {
		t.Helper()
		clock.Set(t0.Add(at))
		if rerr := owner.Record(ctx, "v", 0, snap, err); rerr != nil {
			t.Fatal(rerr)
		}
	}

	record(0, snap, nil) // the first success: a change, followed at once
	agree("first poll")
	for _, at := range []time.Duration{10 * time.Second, 20 * time.Second} {
		record(at, snap, nil) // nothing changed: poll times only
		agree("unchanged poll")
	}
	record(30*time.Second, nil, errors.New("timeout")) // the source fails
	agree("failing poll")
	record(40*time.Second, nil, errors.New("timeout")) // still failing: poll times only, not written yet
	// Past stale_after, the other replica happens to mark the vendor stale
	// first, from its older poll times; the owner's write then conflicts
	// and it reads the vendor back: it still shows its own last check.
	clock.Set(t0.Add(95 * time.Second))
	if err := other.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	if err := owner.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := owner.Vendor(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	if !v.Stale || v.LastCheckedAt == nil || !v.LastCheckedAt.Equal(t0.Add(40*time.Second)) {
		t.Fatalf("owner after stale: stale %v, last checked %v, want stale, checked %v", v.Stale, v.LastCheckedAt, t0.Add(40*time.Second))
	}
	agree("stale")
	record(100*time.Second, snap, nil) // recovered
	agree("recovered")
}
