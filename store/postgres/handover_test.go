package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/cluster/clustertest"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// vendorReader is the alert engine's view of one vendor, whose status
// the test sets; during is called (once) from inside the next read, to
// act while an evaluation is in progress.
type vendorReader struct {
	mu     sync.Mutex
	status upstat.Severity
	during func()
}

func (r *vendorReader) set(s upstat.Severity) { r.mu.Lock(); r.status = s; r.mu.Unlock() }

func (r *vendorReader) Vendors(context.Context) ([]upstat.Vendor, error) {
	r.mu.Lock()
	during := r.during
	r.during = nil
	r.mu.Unlock()
	if during != nil {
		during()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return []upstat.Vendor{{VendorSummary: upstat.VendorSummary{ID: "stripe", Name: "Stripe", Status: r.status}}}, nil
}

func (r *vendorReader) Summary(context.Context) ([]upstat.VendorSummary, error) { return nil, nil }
func (r *vendorReader) Vendor(context.Context, string) (*upstat.Vendor, error) {
	return nil, upstat.ErrNotFound
}
func (r *vendorReader) Incidents(context.Context, upstat.IncidentFilter) ([]upstat.Incident, *upstat.IncidentCursor, error) {
	return nil, nil, nil
}
func (r *vendorReader) Incident(context.Context, string) (*upstat.Incident, error) {
	return nil, upstat.ErrNotFound
}
func (r *vendorReader) Events(context.Context, int64, int) ([]upstat.Event, error) { return nil, nil }

type okNotifier struct{}

func (okNotifier) Notify(context.Context, alert.Notification) (bool, error) { return false, nil }

// The alert-engine leadership changes hands in the middle of an alert
// episode, and back, on PostgreSQL with the lease fence as `upstat serve`
// wires it. The first leader is paused inside an evaluation (it read its
// states and the vendors, had not yet saved); meanwhile the other replica
// takes the expired lease, resolves the first episode and fires a second;
// then the first replica comes back and, being the rendezvous choice,
// takes the lease again. What it computed before the pause must not be
// written (it would resolve the first episode twice and delete the
// second's state, whose resolution would then be lost), and once it leads
// again it must work from what the other leader stored. Every episode
// gets exactly one firing and one resolved notification.
func TestAlertLeaderHandoverMidEpisode(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	clock := &clustertest.Clock{}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock.Set(t0)
	// first is the rendezvous choice of the two for the alert-engine key.
	first, second := "a", "b"
	if cluster.Assign(cluster.AlertEngineKey, []string{"a", "b"}) == "b" {
		first, second = "b", "a"
	}
	type replica struct {
		m   *cluster.Leased
		rd  *vendorReader
		eng *alert.Engine
		db  *DB
	}
	start := func(id string) *replica {
		db := open(t, dsn)
		m, err := cluster.NewLeased(db.Cluster(), cluster.LeasedOptions{ID: id, TTL: 30 * time.Second, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		m.SetKeys([]string{cluster.AlertEngineKey})
		rd := &vendorReader{status: upstat.Operational}
		eng, err := alert.New(alert.Options{
			Store:  db.Alerts().FencedBy(db.Cluster().LeaseFence(m, cluster.AlertEngineKey, clock.Now)),
			Reader: rd, Notifiers: map[string]alert.Notifier{"hook": okNotifier{}}, Now: clock.Now,
			Rules: []alert.RuleConfig{{Name: "down", MinSeverity: upstat.PartialOutage, Notify: []string{"hook"}}},
			Leader: func() (int64, bool) {
				l, ok := m.Lease(cluster.AlertEngineKey)
				return l.Generation, ok
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return &replica{m: m, rd: rd, eng: eng, db: db}
	}
	a, b := start(first), start(second)
	tick := func(r *replica) {
		t.Helper()
		if err := r.m.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	evaluate := func(r *replica, at time.Duration, s upstat.Severity) error {
		clock.Set(t0.Add(at))
		r.rd.set(s)
		return r.eng.Evaluate(ctx)
	}
	mustEvaluate := func(r *replica, at time.Duration, s upstat.Severity) {
		t.Helper()
		if err := evaluate(r, at, s); err != nil {
			t.Fatalf("%s evaluates at %s: %v", r.m.Self(), at, err)
		}
	}
	tick(a)
	tick(b)
	if !a.m.Owns(cluster.AlertEngineKey) || b.m.Owns(cluster.AlertEngineKey) {
		t.Fatal("the rendezvous choice does not lead")
	}
	mustEvaluate(a, time.Second, upstat.MajorOutage) // episode 1 fires
	mustEvaluate(b, time.Second, upstat.MajorOutage) // not the leader: nothing
	// a's next evaluation pauses after reading the vendor (recovered).
	a.rd.during = func() {
		clock.Set(t0.Add(40 * time.Second)) // a's lease ran out meanwhile
		tick(b)
		if !b.m.Owns(cluster.AlertEngineKey) {
			t.Error("b did not take the expired leadership")
		}
		mustEvaluate(b, 40*time.Second, upstat.Operational) // episode 1 resolves
		mustEvaluate(b, 41*time.Second, upstat.MajorOutage) // episode 2 fires
		// a is back: the lease returns to the rendezvous choice.
		tick(a)
		tick(b) // hands the key over
		tick(b) // releases it
		tick(a)
		if !a.m.Owns(cluster.AlertEngineKey) {
			t.Error("a did not take the leadership back")
		}
		clock.Set(t0.Add(42 * time.Second))
	}
	a.rd.set(upstat.Operational)
	// What a computed before the pause, in its former term, is refused.
	if err := a.eng.Evaluate(ctx); !errors.Is(err, cluster.ErrFenced) {
		t.Errorf("a's evaluation across the pause: %v, want ErrFenced", err)
	}
	mustEvaluate(a, 43*time.Second, upstat.MajorOutage)
	mustEvaluate(a, 44*time.Second, upstat.Operational) // episode 2 resolves
	mustEvaluate(b, 45*time.Second, upstat.Operational)

	pending, err := a.db.Alerts().Deliveries(ctx, alert.DeliveryPending, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, d := range pending {
		n := d.Notification
		got[fmt.Sprintf("%s since %s", n.Status, n.Alert.Since.Sub(t0))]++
	}
	want := map[string]int{"firing since 1s": 1, "resolved since 1s": 1, "firing since 41s": 1, "resolved since 41s": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("notifications enqueued %v, want %v", got, want)
	}
	states, err := a.db.Alerts().AlertStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 0 {
		t.Errorf("alert states left after every episode resolved: %+v", states)
	}
}
