package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/store/postgres"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// Two replicas sharing a cluster store split the vendors: once the leases
// settle, each vendor is polled by its owner only; when one replica shuts
// down, the other polls everything.
func TestReplicasSharePolling(t *testing.T) {
	t.Run("memory", func(t *testing.T) { replicasSharePolling(t, cluster.NewMemStore()) })
	t.Run("postgres", func(t *testing.T) {
		db, err := postgres.Open(context.Background(), pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		replicasSharePolling(t, db.Cluster())
	})
}

func replicasSharePolling(t *testing.T, store cluster.Store) {
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	var ids []string
	for i := range 8 {
		id := fmt.Sprintf("v%d", i)
		sim.AddVendor(id, id, fixtures.Component{ID: "api", Name: "API"})
		ids = append(ids, id)
	}
	dir := t.TempDir()
	start := func(replica string) (*App, func()) {
		cfg := &config.Config{
			Listen:  "127.0.0.1:0",
			Storage: "sqlite:" + filepath.Join(dir, replica+".db"),
			Poll:    config.Poll{Interval: time.Second, Timeout: time.Second, StaleAfter: time.Minute, AllowPrivateNetworks: true},
			Cluster: config.Cluster{LeaseTTL: 3 * time.Second, Heartbeat: 300 * time.Millisecond, ReplicaID: replica},
		}
		for _, id := range ids {
			cfg.Vendors = append(cfg.Vendors, config.Vendor{ID: id, Sources: []config.Source{{Kind: "statuspage", URL: sim.URL(id)}}})
		}
		if err := cfg.Complete(); err != nil {
			t.Fatal(err)
		}
		for i := range cfg.Vendors {
			cfg.Vendors[i].Sources[0].Interval = 100 * time.Millisecond
		}
		ctx, cancel := context.WithCancel(context.Background())
		a, err := New(ctx, cfg, Options{Cluster: store})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		var runErr error
		done := make(chan struct{})
		go func() { defer close(done); runErr = a.Run(ctx) }()
		stop := func() {
			cancel()
			<-done
			if runErr != nil {
				t.Errorf("replica %s: %v", replica, runErr)
			}
		}
		t.Cleanup(func() { cancel(); <-done })
		return a, stop
	}
	wait := (&harness{t: t}).waitFor
	apps := map[string]*App{}
	var stopB func()
	apps["a"], _ = start("a")
	apps["b"], stopB = start("b")

	owner := func(live ...string) map[string]string {
		out := map[string]string{}
		for _, id := range ids {
			out[id] = cluster.Assign(id, live)
		}
		return out
	}
	// settled: every vendor leased by its rendezvous owner among live.
	settled := func(live ...string) bool {
		reps, err := store.Replicas(context.Background(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		held := map[string]string{}
		for _, r := range reps {
			for _, l := range r.Leases {
				held[l.Key] = l.Replica
			}
		}
		for id, o := range owner(live...) {
			if held[id] != o {
				return false
			}
		}
		return true
	}
	checked := func(a *App, vendor string) time.Time {
		v, err := a.Reader().Vendor(context.Background(), vendor)
		if err != nil || v.LastCheckedAt == nil {
			return time.Time{}
		}
		return *v.LastCheckedAt
	}
	wait("leases settle over a and b", func() bool { return settled("a", "b") })
	want := owner("a", "b")
	if n := len(ids) - countOf(want, "a"); n == 0 || n == len(ids) {
		t.Fatalf("assignment %v does not split the vendors", want)
	}
	t0 := time.Now()
	wait("every vendor polled by its owner", func() bool {
		for _, id := range ids {
			if !checked(apps[want[id]], id).After(t0) {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		for r, a := range apps {
			if r != want[id] && checked(a, id).After(t0) {
				t.Errorf("vendor %s owned by %s was polled by %s too", id, want[id], r)
			}
		}
	}

	// b shuts down: it releases its leases, a takes everything over.
	stopB()
	wait("a holds every lease", func() bool { return settled("a") })
	t1 := time.Now()
	wait("a polls every vendor", func() bool {
		for _, id := range ids {
			if !checked(apps["a"], id).After(t1) {
				return false
			}
		}
		return true
	})
}

func countOf(m map[string]string, v string) int {
	n := 0
	for _, x := range m {
		if x == v {
			n++
		}
	}
	return n
}

// serve on PostgreSQL writes alert states through the alert-engine lease
// fence: a replica that does not hold the lease has its writes refused
// and nothing stored. It claims deliveries in its own name: once it is no
// longer live, another replica takes its claims. On SQLite the store is
// used as it is.
// replicaR1 is the configuration of replica r1 on a fresh PostgreSQL
// schema, one vendor.
func replicaR1(t *testing.T) *config.Config {
	t.Helper()
	cfg := &config.Config{Listen: "127.0.0.1:0", Storage: pgtest.Schema(t),
		Cluster: config.Cluster{LeaseTTL: 3 * time.Second, ReplicaID: "r1"},
		Vendors: []config.Vendor{{ID: "v", Sources: []config.Source{{Kind: "statuspage", URL: "https://status.example.com"}}}}}
	if err := cfg.Complete(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startApp builds an App from cfg, closed at the end of the test.
func startApp(t *testing.T, cfg *config.Config) *App {
	t.Helper()
	a, err := New(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.db.Close() })
	return a
}

func TestAlertStoreOnPostgresReplicas(t *testing.T) {
	ctx := context.Background()
	cfg := replicaR1(t)
	a := startApp(t, cfg)
	put := alert.Change{Put: []alert.State{{Key: "k", Rule: "r", Vendor: "v", Phase: alert.PhasePending, Since: time.Now()}}}
	// Not yet ticked: the replica holds no lease.
	if err := a.alertStore.Apply(ctx, put); !errors.Is(err, cluster.ErrFenced) {
		t.Fatalf("write without the lease: %v, want ErrFenced", err)
	}
	if states, err := a.db.Alerts.AlertStates(ctx); err != nil || len(states) != 0 {
		t.Fatalf("stored: %+v, %v", states, err)
	}
	if err := a.member.(*cluster.Leased).Tick(ctx); err != nil {
		t.Fatal(err)
	}
	term, leads := a.alertTerm()
	if !leads || term < 1 {
		t.Fatalf("after a heartbeat alone: leads %v in term %d", leads, term)
	}
	put.Term = term
	if err := a.alertStore.Apply(ctx, put); err != nil {
		t.Fatalf("the leader's write: %v", err)
	}
	put.Term = term + 1
	if err := a.alertStore.Apply(ctx, put); !errors.Is(err, cluster.ErrFenced) {
		t.Fatalf("write of another term: %v, want ErrFenced", err)
	}

	// r1 claims the firing it enqueued, then stops heartbeating.
	at := time.Now().UTC()
	n := alert.Notification{Status: alert.StatusFiring, Key: "k", Alert: upstat.Alert{Rule: "r", Vendor: "v"}}
	if err := a.alertStore.Apply(ctx, alert.Change{Term: term, Enqueue: []alert.Delivery{{Notifier: "ops", AlertKey: "k",
		Notification: n, State: alert.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := a.alertStore.(alert.Claimer).ClaimDeliveries(ctx, at, at.Add(90*time.Second), 4); err != nil || len(got) != 1 {
		t.Fatalf("r1's claim: %d, %v", len(got), err)
	}
	other, err := postgres.Open(ctx, cfg.Storage)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	later := at.Add(time.Minute) // r1's registration (lease_ttl 3s) has expired
	if err := other.Cluster().Heartbeat(ctx, "r2", later, later.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := other.Alerts().ClaimingAs("r2").ClaimDeliveries(ctx, later, later.Add(90*time.Second), 4); err != nil || len(got) != 1 {
		t.Fatalf("r2 taking the claim of r1, no longer live: %d, %v", len(got), err)
	}

	cfg.Storage = "sqlite:" + filepath.Join(t.TempDir(), "one.db")
	one, err := New(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = one.db.Close() })
	if one.alertStore != one.db.Alerts {
		t.Fatal("the SQLite alert store is wrapped")
	}
	if term, leads := one.alertTerm(); !leads || term != 0 {
		t.Fatalf("a single process: leads %v in term %d, want term 0", leads, term)
	}
}

// A replica restarted under the same replica_id releases the delivery
// claims of its previous life as it starts: its registration is live
// again, so no other replica would take them before claimed_until.
func TestRestartReleasesOwnClaims(t *testing.T) {
	ctx := context.Background()
	cfg := replicaR1(t)
	first := startApp(t, cfg)
	at := time.Now().UTC()
	n := alert.Notification{Status: alert.StatusFiring, Key: "k", Alert: upstat.Alert{Rule: "r", Vendor: "v"}}
	life1 := first.db.Alerts.(*postgres.Alerts).ClaimingAs("r1")
	if err := life1.Apply(ctx, alert.Change{Enqueue: []alert.Delivery{{Notifier: "ops", AlertKey: "k", Notification: n,
		State: alert.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := life1.ClaimDeliveries(ctx, at, at.Add(90*time.Second), 4); err != nil || len(got) != 1 {
		t.Fatalf("first life's claim: %+v, %v", got, err)
	}
	// Killed; the next life starts with the same configuration.
	second := startApp(t, cfg)
	// It registers under r1: the claim's replica is live again.
	if err := second.member.(*cluster.Leased).Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := second.db.Alerts.(*postgres.Alerts).ClaimingAs("r1").ClaimDeliveries(ctx, at.Add(time.Second), at.Add(90*time.Second), 4); err != nil || len(got) != 1 {
		t.Fatalf("after the restart: %d deliveries claimable, %v; want the first life's firing", len(got), err)
	}
}
