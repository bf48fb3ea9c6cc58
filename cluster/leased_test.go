package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/cluster/clustertest"
)

func TestLeasedOnMemStore(t *testing.T) {
	store := cluster.NewMemStore()
	clustertest.Suite(t, func() cluster.Store { return store })
}

// A replica that cannot reach the store stops owning its keys a heartbeat
// before its leases expire by its own clock, so before another replica
// may take them.
func TestLeasedStopsOwningWhenLeasesRunOut(t *testing.T) {
	clock := &clustertest.Clock{}
	clock.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	store := &failing{MemStore: cluster.NewMemStore()}
	m, err := cluster.NewLeased(store, cluster.LeasedOptions{ID: "a", TTL: 30 * time.Second, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	m.SetKeys([]string{"github", "stripe"})
	if m.Owns("github") {
		t.Fatal("owns a key before its first tick")
	}
	if err := m.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !m.Owns("github") || !m.Owns("stripe") {
		t.Fatal("a lone replica does not own every key")
	}
	if ls, ok := m.Lease("github"); !ok || ls.Generation != 1 || ls.Replica != "a" || ls.Key != "github" {
		t.Fatalf("Lease = %+v, %v; want a's generation-1 lease", ls, ok)
	}
	store.down = true
	clock.Set(clock.Now().Add(15 * time.Second))
	if err := m.Tick(context.Background()); err == nil {
		t.Fatal("tick against a failing store reported no error")
	}
	if !m.Owns("github") {
		t.Fatal("lost a lease long before it expires")
	}
	if m.NextTick() != 10*time.Second {
		t.Fatalf("after a failed tick the next is due in %s, want a heartbeat (10s)", m.NextTick())
	}
	// 20s: one heartbeat (10s) before the lease expires at 30s, no new
	// poll starts, so one in flight ends before another replica may begin.
	clock.Set(clock.Now().Add(5 * time.Second))
	if _, ok := m.Lease("github"); ok || m.Owns("github") || len(m.Owned()) != 0 {
		t.Fatal("still owns a key within a heartbeat of its lease's expiry")
	}
}

func TestLeasedRejectsBadTimings(t *testing.T) {
	_, err := cluster.NewLeased(cluster.NewMemStore(), cluster.LeasedOptions{ID: "a", TTL: time.Second, Heartbeat: time.Second})
	if err == nil {
		t.Fatal("heartbeat ≥ ttl accepted")
	}
	if _, err := cluster.NewLeased(cluster.NewMemStore(), cluster.LeasedOptions{}); err == nil {
		t.Fatal("empty replica id accepted")
	}
	m, err := cluster.NewLeased(cluster.NewMemStore(), cluster.LeasedOptions{ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if m.NextTick() != 10*time.Second {
		t.Fatalf("default heartbeat %s, want ttl/3 = 10s", m.NextTick())
	}
}

func TestAssignSpreadsAndIsStable(t *testing.T) {
	reps := []string{"r1", "r2", "r3"}
	count := map[string]int{}
	for i := range 3000 {
		k := "vendor-" + string(rune('a'+i%26)) + time.Duration(i).String()
		owner := cluster.Assign(k, reps)
		count[owner]++
		// Removing a replica moves only its own keys.
		if owner != "r3" && cluster.Assign(k, reps[:2]) != owner {
			t.Fatalf("key %s moved from %s when r3 left", k, owner)
		}
	}
	for _, r := range reps {
		if count[r] < 800 || count[r] > 1200 {
			t.Fatalf("uneven assignment: %v", count)
		}
	}
	if cluster.Assign("x", nil) != "" {
		t.Fatal("assignment with no replicas")
	}
}

func TestSingleOwnsEverything(t *testing.T) {
	s := cluster.NewSingle("host-1", nil)
	s.SetKeys([]string{"stripe", "github"})
	if !s.Owns("anything") {
		t.Fatal("single replica does not own a key")
	}
	reps, err := s.Replicas(context.Background())
	if err != nil || len(reps) != 1 || len(reps[0].Leases) != 2 || reps[0].Leases[0].Key != "github" {
		t.Fatalf("replicas = %+v, %v", reps, err)
	}
}

// failing is a MemStore that can be cut off.
type failing struct {
	*cluster.MemStore
	down bool
}

func (f *failing) Heartbeat(ctx context.Context, id string, now, exp time.Time) error {
	if f.down {
		return context.DeadlineExceeded
	}
	return f.MemStore.Heartbeat(ctx, id, now, exp)
}
