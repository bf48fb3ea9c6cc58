package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/cluster/clustertest"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// Three replicas, each with its own pool, on one schema: shared work,
// takeover of a dead replica within the lease TTL, rebalancing on join
// and leave, never two owners of a vendor.
func TestClusterLeases(t *testing.T) {
	dsn := pgtest.Schema(t)
	clustertest.Suite(t, func() cluster.Store { return open(t, dsn).Cluster() })
}

// Replicas racing for the same free keys at the same moment end with one
// holder per key.
func TestClusterAcquireRace(t *testing.T) {
	dsn := pgtest.Schema(t)
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := make([][]cluster.Lease, 4)
	var wg sync.WaitGroup
	for i := range got {
		c := open(t, dsn).Cluster()
		wg.Add(1)
		go func() {
			defer wg.Done()
			ls, err := c.Acquire(context.Background(), fmt.Sprintf("r%d", i), keys, now, now.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			got[i] = ls
		}()
	}
	wg.Wait()
	holders := map[string]int{}
	for _, ls := range got {
		for _, l := range ls {
			holders[l.Key]++
		}
	}
	for _, k := range keys {
		if holders[k] != 1 {
			t.Fatalf("key %s acquired by %d replicas", k, holders[k])
		}
	}
}

// Three replicas running their real loops (wall clock, lease_ttl 3s) on
// one schema: they settle with every vendor owned once; a replica whose
// loop stops without releasing (a SIGKILL) is taken over within
// lease_ttl; at no moment do two replicas own one vendor.
func TestClusterRunTakeover(t *testing.T) {
	const ttl, hb = 3 * time.Second, time.Second
	dsn := pgtest.Schema(t)
	var keys []string
	for i := range 12 {
		keys = append(keys, fmt.Sprintf("vendor-%d", i))
	}
	type replica struct {
		m    *cluster.Leased
		stop context.CancelFunc
		done chan struct{}
	}
	reps := map[string]*replica{}
	for _, id := range []string{"a", "b", "c"} {
		m, err := cluster.NewLeased(open(t, dsn).Cluster(), cluster.LeasedOptions{ID: id, TTL: ttl, Heartbeat: hb})
		if err != nil {
			t.Fatal(err)
		}
		m.SetKeys(keys)
		ctx, cancel := context.WithCancel(context.Background())
		r := &replica{m: m, stop: cancel, done: make(chan struct{})}
		go func() { defer close(r.done); _ = m.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-r.done })
		reps[id] = r
	}
	// ownedBy checks exclusivity and returns how many keys have an owner
	// among live.
	ownedBy := func(live ...string) int {
		n := 0
		for _, k := range keys {
			var owners []string
			for id, r := range reps {
				if r.m.Owns(k) {
					owners = append(owners, id)
				}
			}
			if len(owners) > 1 {
				t.Fatalf("%s owned by %v at once", k, owners)
			}
			if len(owners) == 1 && slices.Contains(live, owners[0]) && owners[0] == cluster.Assign(k, live) {
				n++
			}
		}
		return n
	}
	waitOwned := func(limit time.Duration, live ...string) time.Duration {
		start := time.Now()
		for ownedBy(live...) != len(keys) {
			if time.Since(start) > limit {
				t.Fatalf("keys not owned by %v within %s", live, limit)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	waitOwned(10*time.Second, "a", "b", "c")
	c := reps["c"]
	if len(c.m.Owned()) == 0 {
		t.Fatal("c owns nothing: its death would prove nothing")
	}
	c.stop() // dies: no Leave
	<-c.done
	took := waitOwned(ttl+500*time.Millisecond, "a", "b")
	t.Logf("takeover after %s (lease_ttl %s)", took.Round(time.Millisecond), ttl)
}

// A write fenced by a lease passes while the lease is held, and is refused
// once it expired or changed hands.
func TestClusterFence(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	db := open(t, dsn)
	c := db.Cluster()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fence := func(l cluster.Lease, now time.Time) error {
		tx, err := db.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		return c.Fence(ctx, tx, l, now)
	}
	got, err := c.Acquire(ctx, "a", []string{"github"}, t0, t0.Add(30*time.Second))
	if err != nil || len(got) != 1 {
		t.Fatalf("acquire: %v, %v", got, err)
	}
	old := got[0]
	if err := fence(old, t0.Add(10*time.Second)); err != nil {
		t.Fatalf("fence of a held lease: %v", err)
	}
	if err := fence(old, t0.Add(30*time.Second)); !errors.Is(err, cluster.ErrFenced) {
		t.Fatalf("fence of an expired lease: %v, want ErrFenced", err)
	}
	taken, err := c.Acquire(ctx, "b", []string{"github"}, t0.Add(31*time.Second), t0.Add(61*time.Second))
	if err != nil || len(taken) != 1 || taken[0].Generation != old.Generation+1 {
		t.Fatalf("takeover: %+v, %v", taken, err)
	}
	if err := fence(old, t0.Add(40*time.Second)); !errors.Is(err, cluster.ErrFenced) {
		t.Fatalf("fence of a lease taken over: %v, want ErrFenced", err)
	}
	if err := fence(taken[0], t0.Add(40*time.Second)); err != nil {
		t.Fatalf("fence of the new holder: %v", err)
	}
}

// Alert states are written only by the holder of the alert-engine lease:
// a replica that lost it has its writes refused, and nothing is stored.
func TestAlertsFencedByLeadership(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	clock := &clustertest.Clock{}
	clock.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	member := func(id string) (*cluster.Leased, *Alerts) {
		db := open(t, dsn)
		m, err := cluster.NewLeased(db.Cluster(), cluster.LeasedOptions{ID: id, TTL: 30 * time.Second, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		m.SetKeys([]string{cluster.AlertEngineKey})
		return m, db.Alerts().FencedBy(db.Cluster().LeaseFence(m, cluster.AlertEngineKey, clock.Now))
	}
	a, aStore := member("a")
	b, bStore := member("b")
	state := func(key string) alert.Change {
		return alert.Change{Put: []alert.State{{Key: key, Rule: "r", Vendor: "stripe", Phase: alert.PhasePending, Since: clock.Now()}}}
	}
	if err := a.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := aStore.Apply(ctx, state("by-a")); err != nil {
		t.Fatalf("leader's write: %v", err)
	}
	if err := bStore.Apply(ctx, state("by-b-early")); !errors.Is(err, cluster.ErrFenced) {
		t.Fatalf("non-leader's write: %v, want ErrFenced", err)
	}
	// a stops renewing (paused); b takes the leadership once it expired.
	clock.Set(clock.Now().Add(31 * time.Second))
	if err := b.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if !b.Owns(cluster.AlertEngineKey) {
		t.Fatal("b did not take the expired leadership")
	}
	if err := aStore.Apply(ctx, state("by-a-late")); !errors.Is(err, cluster.ErrFenced) {
		t.Fatalf("former leader's write: %v, want ErrFenced", err)
	}
	if err := bStore.Apply(ctx, state("by-b")); err != nil {
		t.Fatalf("new leader's write: %v", err)
	}
	got, err := aStore.AlertStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range got {
		keys = append(keys, s.Key)
	}
	if !slices.Equal(keys, []string{"by-a", "by-b"}) {
		t.Fatalf("stored states %v, want [by-a by-b]", keys)
	}
}
