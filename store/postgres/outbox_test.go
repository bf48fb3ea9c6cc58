package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// sink counts notifications by alert key and status.
type sink struct {
	mu   sync.Mutex
	sent map[string]int
}

func (s *sink) Notify(_ context.Context, n alert.Notification) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[n.Key+"/"+string(n.Status)]++
	return false, nil
}

// Two replicas delivering from one outbox at once send each notification
// exactly once, and a firing before its resolution.
func TestOutboxClaimedOnce(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	at := alerttest.At
	var enq []alert.Delivery
	for i := range 40 {
		for _, st := range []alert.Status{alert.StatusFiring, alert.StatusResolved} {
			n := alerttest.Sample(st)
			n.Key = fmt.Sprintf("k%02d", i)
			enq = append(enq, alert.Delivery{Notifier: "ops", AlertKey: n.Key, Notification: n, State: alert.DeliveryPending,
				NextAttemptAt: at, CreatedAt: at, UpdatedAt: at})
		}
	}
	if err := open(t, dsn).Alerts().Apply(ctx, alert.Change{Enqueue: enq}); err != nil {
		t.Fatal(err)
	}
	out := &sink{sent: map[string]int{}}
	var wg sync.WaitGroup
	for range 2 {
		eng, err := alert.New(alert.Options{Store: open(t, dsn).Alerts(), Reader: noVendors{},
			Notifiers: map[string]alert.Notifier{"ops": out}, Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; idle < 3; {
				n, err := eng.Deliver(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					idle++
				} else {
					idle = 0
				}
			}
		}()
	}
	wg.Wait()
	if len(out.sent) != len(enq) {
		t.Fatalf("%d distinct notifications sent, want %d", len(out.sent), len(enq))
	}
	for k, n := range out.sent {
		if n != 1 {
			t.Errorf("%s sent %d times", k, n)
		}
	}
	pending, err := open(t, dsn).Alerts().Deliveries(ctx, alert.DeliveryPending, 10)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after delivery: %d, %v", len(pending), err)
	}
}

// A claim hides a delivery from other consumers until it expires (the
// claimant died) or the outcome is stored.
func TestOutboxClaimExpires(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	at := alerttest.At
	a, b := open(t, dsn).Alerts(), open(t, dsn).Alerts()
	n := alerttest.Sample(alert.StatusFiring)
	if err := a.Apply(ctx, alert.Change{Enqueue: []alert.Delivery{{Notifier: "ops", AlertKey: n.Key, Notification: n,
		State: alert.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}}}); err != nil {
		t.Fatal(err)
	}
	got, err := a.ClaimDeliveries(ctx, at, at.Add(time.Minute), 4)
	if err != nil || len(got) != 1 {
		t.Fatalf("first claim: %d, %v", len(got), err)
	}
	if again, err := b.ClaimDeliveries(ctx, at.Add(59*time.Second), at.Add(2*time.Minute), 4); err != nil || len(again) != 0 {
		t.Fatalf("claimed twice within the claim: %d, %v", len(again), err)
	}
	again, err := b.ClaimDeliveries(ctx, at.Add(time.Minute), at.Add(2*time.Minute), 4)
	if err != nil || len(again) != 1 || again[0].ID != got[0].ID {
		t.Fatalf("after the claim expired: %+v, %v", again, err)
	}
	d := again[0]
	d.Attempts, d.NextAttemptAt = 1, at.Add(time.Minute)
	if err := b.UpdateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if retry, err := a.ClaimDeliveries(ctx, at.Add(time.Minute), at.Add(3*time.Minute), 4); err != nil || len(retry) != 1 {
		t.Fatalf("a stored outcome did not end the claim: %d, %v", len(retry), err)
	}
}

// A claim made in the name of a replica that is no longer live (killed
// after sending, before storing the outcome) is taken over as soon as the
// replica's registration expires, not when the claim runs out: the
// resolution queued behind the claimed firing is not held up for 90 s.
// A live replica's claim still hides the delivery.
func TestOutboxClaimOfDeadReplica(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	at := alerttest.At
	db := open(t, dsn)
	const ttl = 3 * time.Second
	for _, id := range []string{"r1", "r2"} {
		if err := db.Cluster().Heartbeat(ctx, id, at, at.Add(ttl)); err != nil {
			t.Fatal(err)
		}
	}
	r1, r2 := db.Alerts().ClaimingAs("r1"), open(t, dsn).Alerts().ClaimingAs("r2")
	var enq []alert.Delivery
	for _, st := range []alert.Status{alert.StatusFiring, alert.StatusResolved} {
		n := alerttest.Sample(st)
		enq = append(enq, alert.Delivery{Notifier: "ops", AlertKey: n.Key, Notification: n,
			State: alert.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at})
	}
	if err := r1.Apply(ctx, alert.Change{Enqueue: enq}); err != nil {
		t.Fatal(err)
	}
	until := at.Add(90 * time.Second)
	got, err := r1.ClaimDeliveries(ctx, at, until, 4)
	if err != nil || len(got) != 1 || got[0].Notification.Status != alert.StatusFiring {
		t.Fatalf("r1's claim: %+v, %v", got, err)
	}
	if again, err := r2.ClaimDeliveries(ctx, at.Add(time.Second), until, 4); err != nil || len(again) != 0 {
		t.Fatalf("r2 took a live replica's claim: %d, %v", len(again), err)
	}
	// r1 is killed: it heartbeats no more; r2 does.
	if err := db.Cluster().Heartbeat(ctx, "r2", at.Add(2*time.Second), at.Add(2*time.Second+ttl)); err != nil {
		t.Fatal(err)
	}
	taken, err := r2.ClaimDeliveries(ctx, at.Add(ttl+time.Second), until, 4)
	if err != nil || len(taken) != 1 || taken[0].ID != got[0].ID {
		t.Fatalf("after r1's registration expired: %+v, %v, want its claimed firing", taken, err)
	}
	d := taken[0]
	d.State, d.Attempts = alert.DeliverySent, 1
	if err := r2.UpdateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	next, err := r2.ClaimDeliveries(ctx, at.Add(ttl+time.Second), until, 4)
	if err != nil || len(next) != 1 || next[0].Notification.Status != alert.StatusResolved {
		t.Fatalf("the resolution behind it: %+v, %v", next, err)
	}
}

// noVendors is a Reader with no vendors (the engine only delivers here).
type noVendors struct{ upstat.Reader }

func (noVendors) Vendors(context.Context) ([]upstat.Vendor, error) { return nil, nil }

// A replica restarted under the same replica_id (a fixed id, a pod name)
// finds its previous life's claims: its registration is live again, so
// no one else takes them, and it releases them as it starts instead of
// leaving them until claimed_until.
func TestOutboxClaimsOfAPreviousLife(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	at := alerttest.At
	db := open(t, dsn)
	if err := db.Cluster().Heartbeat(ctx, "r1", at, at.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	life1 := db.Alerts().ClaimingAs("r1")
	n := alerttest.Sample(alert.StatusFiring)
	if err := life1.Apply(ctx, alert.Change{Enqueue: []alert.Delivery{{Notifier: "ops", AlertKey: n.Key, Notification: n,
		State: alert.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}}}); err != nil {
		t.Fatal(err)
	}
	until := at.Add(90 * time.Second)
	if got, err := life1.ClaimDeliveries(ctx, at, until, 4); err != nil || len(got) != 1 {
		t.Fatalf("first life's claim: %+v, %v", got, err)
	}
	// Killed mid-delivery; the next life registers under the same id.
	life2 := open(t, dsn).Alerts().ClaimingAs("r1")
	if err := db.Cluster().Heartbeat(ctx, "r1", at.Add(time.Second), at.Add(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := life2.ClaimDeliveries(ctx, at.Add(time.Second), until, 4); err != nil || len(got) != 0 {
		t.Fatalf("without a release the claim is still held: got %d, %v", len(got), err)
	}
	if n, err := life2.ReleaseClaims(ctx); err != nil || n != 1 {
		t.Fatalf("ReleaseClaims = %d, %v; want 1", n, err)
	}
	if got, err := life2.ClaimDeliveries(ctx, at.Add(time.Second), until, 4); err != nil || len(got) != 1 {
		t.Fatalf("after the release: %+v, %v; want the firing", got, err)
	}
}
